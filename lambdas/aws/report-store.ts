import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MfaReport } from '../core/mfa-report.ts';
import type { OrgMfaReport } from '../core/org-report.ts';
import { orgReportToCsv, reportToCsv } from '../core/report-csv.ts';
import type { EnforcementRun } from '../use-cases/enforce-mfa-compliance.ts';
import { awsCall } from './aws-call-error.ts';

/**
 * Saves the night's report as JSON and CSV under `reports/YYYY/MM/DD/`
 * (`reports/YYYY/MM/DD/ACCOUNT/` for an organization's account), named by
 * the time it was made, so runs never overwrite each other.
 */
export async function saveNightlyReport(
  s3: S3Client,
  bucket: string,
  report: MfaReport,
  directory?: string,
): Promise<string[]> {
  return saveJsonAndCsv(s3, bucket, report, reportToCsv(report), `mfa-report`, directory);
}

/** Saves the organization's report as JSON and CSV under `reports/YYYY/MM/DD/`. */
export async function saveOrgNightlyReport(
  s3: S3Client,
  bucket: string,
  report: OrgMfaReport,
): Promise<string[]> {
  return saveJsonAndCsv(s3, bucket, report, orgReportToCsv(report), 'org-mfa-report');
}

/** A report saved with saveNightlyReport, read back (the organization's run reads each account's). */
export async function readNightlyReport(s3: S3Client, bucket: string, key: string): Promise<MfaReport> {
  const answer = await awsCall('s3:GetObject', () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: key })),
  );
  return JSON.parse((await answer.Body?.transformToString('utf8')) ?? 'null') as MfaReport;
}

async function saveJsonAndCsv(
  s3: S3Client,
  bucket: string,
  report: { readonly generated_at: string },
  csv: string,
  name: string,
  directory?: string,
): Promise<string[]> {
  const day =
    directory === undefined
      ? dayPrefix(report.generated_at)
      : `${dayPrefix(report.generated_at)}/${directory}`;
  const prefix = `${day}/${name}-${report.generated_at.replace(/[:.]/g, '-')}`;
  const files = [
    { key: `${prefix}.json`, body: `${JSON.stringify(report, null, 2)}\n`, type: 'application/json' },
    { key: `${prefix}.csv`, body: csv, type: 'text/csv; charset=utf-8' },
  ];
  await Promise.all(
    files.map((file) =>
      awsCall('s3:PutObject', () =>
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: file.body, ContentType: file.type }),
        ),
      ),
    ),
  );
  return files.map((file) => file.key);
}

/**
 * Saves the night's enforcement run (its plan, or what it did) as JSON beside
 * the report: the audit record of every action, which needs no tag on anyone.
 */
export async function saveEnforcementRun(
  s3: S3Client,
  bucket: string,
  run: EnforcementRun,
  directory?: string,
): Promise<string> {
  const day =
    directory === undefined ? dayPrefix(run.generated_at) : `${dayPrefix(run.generated_at)}/${directory}`;
  const key = `${day}/mfa-enforcement-${run.generated_at.replace(/[:.]/g, '-')}.json`;
  await awsCall('s3:PutObject', () =>
    s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(run, null, 2)}\n`,
        ContentType: 'application/json',
      }),
    ),
  );
  return key;
}

/** `reports/YYYY/MM/DD` of an ISO time. */
function dayPrefix(at: string): string {
  return `reports/${at.slice(0, 4)}/${at.slice(5, 7)}/${at.slice(8, 10)}`;
}
