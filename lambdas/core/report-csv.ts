import { stringify } from 'csv-stringify/sync';
import type { MfaReport, MfaReportUser } from './mfa-report.ts';
import type { OrgMfaReport } from './org-report.ts';

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
 * The CSV every command writes, as RFC 4180 has it: a header row, CRLF
 * record ends, fields with commas, quotes or a line break quoted. A lone CR
 * or LF counts as a line break: csv-stringify quotes only the whole record
 * delimiter (CRLF), and an unquoted LF would start a new row in a reader,
 * one that formula escaping never saw. A cell a spreadsheet would run as a
 * formula (IAM names may start with `=`, `+`, `@` or `-`) gets a leading `'`.
 */
export function toCsv<const C extends string>(
  rows: readonly Readonly<Partial<Record<C, unknown>>>[],
  columns: readonly C[],
): string {
  return stringify([...rows], {
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    quoted_match: /[\r\n]/,
    escape_formulas: true,
    cast: { boolean: (value) => String(value) },
  });
}

/** One row per user; lists (device kinds, reasons) are joined with `; `. */
export function reportToCsv(report: MfaReport): string {
  return toCsv(report.users.map(userRow), COLUMNS);
}

/** The organization's users, each row led by the account. */
export function orgReportToCsv(report: OrgMfaReport): string {
  return toCsv(report.users.map(userRow), ['account_id', 'account_name', ...COLUMNS] as const);
}

function userRow<U extends MfaReportUser>(user: U) {
  return {
    ...user,
    mfa_devices: user.mfa_devices.map((device) => `${device.kind} ${device.serial_number}`).join('; '),
    reasons: user.reasons.join('; '),
  };
}
