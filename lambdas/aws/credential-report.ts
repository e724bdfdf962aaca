import { setTimeout as sleep } from 'node:timers/promises';
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type GetCredentialReportCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { AwsCallError, awsErrorName, toAwsCallError } from './aws-call-error.ts';

export const ROOT_ROW_USER = '<root_account>';

export interface CredentialReportKey {
  readonly active: boolean;
  /** The key's creation time: the only way to tie a report column to a key id. */
  readonly lastRotated: Date;
  readonly lastUsed: Date | undefined;
}

export interface CredentialReportRow {
  readonly user: string;
  readonly arn: string;
  readonly userCreationTime: Date;
  readonly passwordEnabled: boolean;
  readonly passwordLastUsed: Date | undefined;
  readonly mfaActive: boolean;
  /** Only the keys that exist (an `N/A` column is no key). */
  readonly accessKeys: readonly CredentialReportKey[];
}

export interface CredentialReport {
  readonly generatedAt: Date;
  readonly root: CredentialReportRow | undefined;
  readonly users: ReadonlyMap<string, CredentialReportRow>;
}

export class CredentialReportFormatError extends Error {
  override readonly name = 'CredentialReportFormatError';
}

const REQUIRED_COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
] as const;

/** Values that mean "no date": no password or key, never used, or not recorded (before 2014-10-20). */
const NO_DATE = new Set(['n/a', 'no_information', 'not_supported', '']);

/**
 * Parses the report's CSV. Booleans are TRUE/FALSE in any case; root's row is
 * kept apart. IAM user names may hold commas: a row that has more fields than
 * the header, because such a name and its ARN were not quoted, is put back
 * together (the ARN is the field that starts with `arn:`).
 */
export function parseCredentialReport(csv: string, generatedAt: Date): CredentialReport {
  const [header = [], ...rows]: string[][] = parse(csv, {
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  });
  const missing = REQUIRED_COLUMNS.filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new CredentialReportFormatError(`the credential report has no column ${missing.join(', ')}`);
  }
  let root: CredentialReportRow | undefined;
  const users = new Map<string, CredentialReportRow>();
  for (const fields of rows) {
    const values = rejoinUnquotedName(fields, header);
    const row = parseRow(Object.fromEntries(header.map((column, i) => [column, values[i] ?? ''])));
    if (row.user === ROOT_ROW_USER) root = row;
    else users.set(row.user, row);
  }
  return { generatedAt, root, users };
}

function rejoinUnquotedName(fields: string[], header: readonly string[]): string[] {
  const extra = fields.length - header.length;
  if (extra === 0) return fields;
  const arnAt = fields.findIndex((field, i) => i > 0 && field.startsWith('arn:'));
  if (extra < 0 || header[0] !== 'user' || header[1] !== 'arn' || arnAt < 1 || arnAt > 1 + extra) {
    throw new CredentialReportFormatError(
      `the credential report has a row of ${fields.length} fields under a header of ${header.length}: ${fields[0] ?? ''}`,
    );
  }
  return [
    fields.slice(0, arnAt).join(','),
    fields.slice(arnAt, 2 + extra).join(','),
    ...fields.slice(2 + extra),
  ];
}

function parseRow(record: Record<string, string>): CredentialReportRow {
  const field = (name: string) => record[name] ?? '';
  const user = field('user');
  const created = parseDate(field('user_creation_time'));
  if (created === undefined) {
    throw new CredentialReportFormatError(`the credential report gives no creation time for ${user}`);
  }
  const accessKeys = [1, 2].flatMap((n) => {
    const lastRotated = parseDate(field(`access_key_${n}_last_rotated`));
    return lastRotated === undefined
      ? []
      : [
          {
            active: parseBoolean(field(`access_key_${n}_active`), user),
            lastRotated,
            lastUsed: parseDate(field(`access_key_${n}_last_used_date`)),
          },
        ];
  });
  return {
    user,
    arn: field('arn'),
    userCreationTime: created,
    passwordEnabled: parseBoolean(field('password_enabled'), user),
    passwordLastUsed: parseDate(field('password_last_used')),
    mfaActive: parseBoolean(field('mfa_active'), user),
    accessKeys,
  };
}

function parseBoolean(value: string, user: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true') return true;
  // Root's password columns say not_supported; a missing value is no credential.
  if (v === 'false' || NO_DATE.has(v)) return false;
  throw new CredentialReportFormatError(
    `the credential report has '${value}' where true or false belongs (${user})`,
  );
}

function parseDate(value: string): Date | undefined {
  if (NO_DATE.has(value.toLowerCase())) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export class CredentialReportTimeoutError extends AwsCallError {
  constructor(seconds: number) {
    super(
      'iam:GenerateCredentialReport',
      'other',
      `the credential report was still being generated after ${seconds} s: try again in a few minutes, or use --source live`,
    );
  }
}

export interface CredentialReportOptions {
  /** How long to wait for AWS to generate the report. @default 180000 */
  readonly timeoutMs?: number | undefined;
  /** The first wait between polls (a small account's report is often ready by then); it doubles up to maxDelayMs. @default 100 */
  readonly initialDelayMs?: number | undefined;
  /** @default 5000 */
  readonly maxDelayMs?: number | undefined;
  readonly onState?: ((state: string) => void) | undefined;
  /** Stops the polling (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal | undefined;
}

// Not ready yet, or asked for too often: wait and ask again.
const NOT_READY = new Set([
  'CredentialReportNotReadyException',
  'ReportInProgress',
  'LimitExceededException',
  'LimitExceeded',
]);
// No report, or one older than four hours: generate a new one.
const REGENERATE = new Set([
  'CredentialReportNotPresentException',
  'CredentialReportExpiredException',
  'ReportNotPresent',
  'ReportExpired',
]);

/**
 * Generates the credential report (AWS returns the existing one when it is
 * less than four hours old), polls with back-off until it is complete, and
 * fetches it. Gives up with a clear error after `timeoutMs`.
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  options: CredentialReportOptions = {},
): Promise<CredentialReport> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const deadline = Date.now() + timeoutMs;
  let delay = options.initialDelayMs ?? 100;
  const { signal } = options;
  for (;;) {
    const state = await generate(iam, signal);
    options.onState?.(state);
    if (state === 'COMPLETE') {
      const report = await tryGet(iam, signal);
      if (report) return report;
    }
    if (Date.now() + delay > deadline) throw new CredentialReportTimeoutError(Math.round(timeoutMs / 1000));
    await sleep(delay, undefined, { signal });
    delay = Math.min(delay * 2, options.maxDelayMs ?? 5_000);
  }
}

async function generate(iam: IAMClient, signal: AbortSignal | undefined): Promise<string> {
  signal?.throwIfAborted();
  try {
    const { State } = await iam.send(new GenerateCredentialReportCommand({}), { abortSignal: signal });
    return State ?? 'STARTED';
  } catch (error) {
    if (NOT_READY.has(awsErrorName(error) ?? '')) return 'INPROGRESS';
    throw toAwsCallError('iam:GenerateCredentialReport', error);
  }
}

async function tryGet(
  iam: IAMClient,
  signal: AbortSignal | undefined,
): Promise<CredentialReport | undefined> {
  signal?.throwIfAborted();
  let response: GetCredentialReportCommandOutput;
  try {
    response = await iam.send(new GetCredentialReportCommand({}), { abortSignal: signal });
  } catch (error) {
    const name = awsErrorName(error) ?? '';
    if (NOT_READY.has(name) || REGENERATE.has(name)) return undefined;
    throw toAwsCallError('iam:GetCredentialReport', error);
  }
  const csv = new TextDecoder().decode(response.Content ?? new Uint8Array());
  return parseCredentialReport(csv, response.GeneratedTime ?? new Date());
}
