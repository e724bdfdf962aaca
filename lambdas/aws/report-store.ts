import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { MfaReport } from '../core/mfa-report.ts';
import { reportToCsv } from '../core/report-csv.ts';
import { awsCall } from './aws-call-error.ts';

/**
 * Saves the night's report as JSON and CSV under `reports/YYYY/MM/DD/`,
 * named by the time it was made, so runs never overwrite each other.
 */
export async function saveNightlyReport(s3: S3Client, bucket: string, report: MfaReport): Promise<string[]> {
  const at = report.generated_at;
  const prefix = `reports/${at.slice(0, 4)}/${at.slice(5, 7)}/${at.slice(8, 10)}/mfa-report-${at.replace(/[:.]/g, '-')}`;
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
