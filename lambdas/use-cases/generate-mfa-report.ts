import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AwsClientSettings, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import {
  type InventoryClients,
  type InventoryProgress,
  type InventorySourceKind,
  readInventory,
} from '../aws/iam-inventory.ts';
import { checkAwsReachable } from '../aws/reach.ts';
import { DEFAULT_GRACE_PERIOD_DAYS } from '../core/assessment.ts';
import { buildMfaReport, type MfaReport } from '../core/mfa-report.ts';
import { describeRange, numberInRange, type RangedOption } from '../core/option-ranges.ts';
import type { AccountInventory } from '../core/user-facts.ts';
import { isBucketName } from '../core/user-record.ts';
import { createUserSelector, parsePatternList, type UserSelection } from '../core/user-selection.ts';

/** How to reach AWS: settings for clients made here, or the caller's own clients. */
export interface AwsSettingsAndClients extends AwsClientSettings {
  /** Your own SDK clients, e.g. with other middleware; created from the settings otherwise. */
  readonly iamClient?: IAMClient | undefined;
  readonly stsClient?: STSClient | undefined;
}

export interface GenerateMfaReportOptions extends AwsSettingsAndClients {
  /** `bulk` reads the credential report (fast), `live` reads each user (current). @default 'bulk' */
  readonly source?: InventorySourceKind | undefined;
  /** Days a new user may go without MFA, 0 to 3650. @default 7 */
  readonly gracePeriodDays?: number | undefined;
  /**
   * Names or patterns (`svc-*`) of users to exempt: a comma-separated string or a list.
   * Undefined when there are none: an empty list or an empty item is refused.
   */
  readonly excludeUsers?: string | readonly string[] | undefined;
  /**
   * When given, the report covers only these users. Patterns keep exemptions;
   * an exact user name overrides the user's exemption (and the report says so).
   */
  readonly includeUsers?: string | readonly string[] | undefined;
  /** Override every exemption (the tag; excludeUsers cannot be given with it). @default false */
  readonly ignoreExemptions?: boolean | undefined;
  /** @default 'awssec:mfa-exempt' */
  readonly exemptionTag?: string | undefined;
  /** The time the rules are applied at. @default now */
  readonly now?: Date | undefined;
  /** Users read at the same time by per-user calls, 1 to 64 (each operation also backs off on its own when throttled). @default 32 */
  readonly concurrency?: number | undefined;
  /** How long to wait for AWS to generate the credential report, 1000 to 3600000. @default 180000 */
  readonly credentialReportTimeoutMs?: number | undefined;
  readonly onProgress?: ((event: InventoryProgress) => void) | undefined;
}

/** Options that make no sense; the message names the option and what it takes. */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';
}

/** Reads the account and assesses every user in scope: the object the JSON output prints. */
export async function generateMfaReport(options: GenerateMfaReportOptions = {}): Promise<MfaReport> {
  return (await assessAccount(options)).report;
}

/** The report, and the inventory it was made from (the Security Hub findings also need the account's groups). */
export async function assessAccount(
  options: GenerateMfaReportOptions,
): Promise<{ report: MfaReport; inventory: AccountInventory }> {
  const settings = reportSettings(options);
  await checkReachable(options);
  const inventory = await readScopedInventory(options, settings, awsClients(options));
  const report = buildMfaReport(inventory, {
    now: options.now ?? new Date(),
    gracePeriodDays: settings.gracePeriodDays,
    selection: settings.selection,
    exemptionTag: options.exemptionTag,
  });
  return { report, inventory };
}

/**
 * Unless the caller gave its own clients: one quick call first, so that a
 * dead or unreachable endpoint, or a profile that does not exist, fails in
 * seconds with a message that names it.
 */
export async function checkReachable(options: AwsSettingsAndClients): Promise<void> {
  if (options.iamClient !== undefined || options.stsClient !== undefined) return;
  await checkAwsReachable(options, process.env);
}

/** The caller's clients, or clients made from the settings. */
export function awsClients(options: AwsSettingsAndClients): InventoryClients {
  return {
    iam: options.iamClient ?? createIamClient(options),
    sts: options.stsClient ?? createStsClient(options),
  };
}

/** The inventory of the users the settings put in scope. */
export function readScopedInventory(
  options: GenerateMfaReportOptions,
  settings: ReportSettings,
  clients: InventoryClients,
): Promise<AccountInventory> {
  return readInventory(settings.source, clients, {
    inScope: createUserSelector(settings.selection).inScope,
    concurrency: options.concurrency,
    credentialReport: { timeoutMs: options.credentialReportTimeoutMs },
    onProgress: options.onProgress,
  });
}

export interface ReportSettings {
  readonly source: InventorySourceKind;
  readonly gracePeriodDays: number;
  readonly selection: UserSelection;
}

/** Checks the options before any AWS call, so bad input changes and costs nothing. */
export function reportSettings(options: GenerateMfaReportOptions): ReportSettings {
  const gracePeriodDays = rangedOption('gracePeriodDays', options.gracePeriodDays, DEFAULT_GRACE_PERIOD_DAYS);
  const source = options.source ?? 'bulk';
  if (source !== 'bulk' && source !== 'live' && source !== 'auto') {
    throw new InvalidOptionError(`source must be 'bulk', 'live' or 'auto' (got '${String(source)}')`);
  }
  rangedOption('concurrency', options.concurrency, 1);
  rangedOption('credentialReportTimeoutMs', options.credentialReportTimeoutMs, 1000);
  const ignoreExemptions = options.ignoreExemptions ?? false;
  if (typeof ignoreExemptions !== 'boolean') {
    throw new InvalidOptionError(`ignoreExemptions must be true or false (got ${String(ignoreExemptions)})`);
  }
  if (ignoreExemptions && options.excludeUsers !== undefined) {
    throw new InvalidOptionError(
      'ignoreExemptions and excludeUsers contradict each other: give excludeUsers to exempt users, or ignoreExemptions to exempt nobody',
    );
  }
  return {
    source,
    gracePeriodDays,
    selection: {
      include: patterns('includeUsers', options.includeUsers),
      exclude: patterns('excludeUsers', options.excludeUsers),
      ignoreExemptions,
    },
  };
}

/** The option's value checked against its range (lambdas/core/option-ranges.ts), or the default when not given. */
export function rangedOption(option: RangedOption, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = numberInRange(option, value);
  if (number === undefined) {
    const shown = typeof value === 'string' ? `'${value}'` : String(value);
    throw new InvalidOptionError(`${option} must be ${describeRange(option)} (got ${shown})`);
  }
  return number;
}

/**
 * Names or patterns from a comma-separated string or a list, checked; the
 * error names the option. Undefined means not given; an empty list or item
 * is refused (see listItems).
 */
export function patterns(option: string, value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw new InvalidOptionError(`${option} must be a comma-separated string or a list of names`);
  }
  try {
    return parsePatternList(value);
  } catch (error) {
    throw new InvalidOptionError(`${option}: ${(error as Error).message}`);
  }
}

/** An S3 bucket name for the record store, checked before any AWS call. */
export function recordBucketOption(bucket: string): string {
  if (!isBucketName(bucket)) {
    throw new InvalidOptionError(
      `recordBucket: '${bucket}' is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
    );
  }
  return bucket;
}
