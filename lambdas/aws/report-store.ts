import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MfaReport } from '../core/mfa-report.ts';
import { reportToCsv } from '../core/report-csv.ts';
import type { EnforcementRun } from '../use-cases/enforce-mfa-compliance.ts';
import { awsCall } from './aws-call-error.ts';

/**
 * Saves the night's report as JSON and CSV under `reports/YYYY/MM/DD/`,
 * named by the time it was made, so runs never overwrite each other.
 */
export async function saveNightlyReport(s3: S3Client, bucket: string, report: MfaReport): Promise<string[]> {
  const prefix = `${dayPrefix(report.generated_at)}/mfa-report-${report.generated_at.replace(/[:.]/g, '-')}`;
  const files = [
    { key: `${prefix}.json`, body: `${JSON.stringify(report, null, 2)}\n`, type: 'application/json' },
    { key: `${prefix}.csv`, body: reportToCsv(report), type: 'text/csv; charset=utf-8' },
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
export async function saveEnforcementRun(s3: S3Client, bucket: string, run: EnforcementRun): Promise<string> {
  const key = `${dayPrefix(run.generated_at)}/mfa-enforcement-${run.generated_at.replace(/[:.]/g, '-')}.json`;
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
