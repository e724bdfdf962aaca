import { stringify } from 'csv-stringify/sync';
import type { MfaReport } from './mfa-report.ts';

const COLUMNS = [
  'username',
  'arn',
  'status',
  'risk',
  'mfa_devices',
  'console_access',
  'active_access_keys',
  'last_activity',
  'created_at',
  'days_since_creation',
  'grace_period_ends_at',
  'reasons',
] as const;

/**
 * One row per user with a header row, as RFC 4180 has it (CRLF, fields with
 * commas, quotes or line breaks quoted). IAM user names may start with `=`,
 * `+`, `@` or `-`, which spreadsheets run as formulas, so such cells get a
 * leading `'`. Lists (device kinds, reasons) are joined with `; `.
 */
export function reportToCsv(report: MfaReport): string {
  const rows = report.users.map((user) => ({
    ...user,
    mfa_devices: user.mfa_devices.map((device) => `${device.kind} ${device.serial_number}`).join('; '),
    reasons: user.reasons.join('; '),
  }));
  return stringify(rows, {
    header: true,
    columns: [...COLUMNS],
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
}
