import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AwsClientSettings, createIamClient, createStsClient } from '../aws/aws-clients.ts';
import {
  type InventoryClients,
  type InventoryProgress,
  type InventorySourceKind,
  readInventory,
} from '../aws/iam-inventory.ts';
import { DEFAULT_GRACE_PERIOD_DAYS } from '../core/assessment.ts';
import { buildMfaReport, type MfaReport } from '../core/mfa-report.ts';
import type { AccountInventory } from '../core/user-facts.ts';
import { isBucketName } from '../core/user-record.ts';
import {
  createUserSelector,
  parsePatternList,
  type UserSelection,
  validatePattern,
} from '../core/user-selection.ts';

/** How to reach AWS: settings for clients made here, or the caller's own clients. */
export interface AwsSettingsAndClients extends AwsClientSettings {
  /** Your own SDK clients, e.g. with other middleware; created from the settings otherwise. */
  readonly iamClient?: IAMClient | undefined;
  readonly stsClient?: STSClient | undefined;
}

export interface GenerateMfaReportOptions extends AwsSettingsAndClients {
  /** `bulk` reads the credential report (fast), `live` reads each user (current). @default 'bulk' */
  readonly source?: InventorySourceKind | undefined;
  /** Days a new user may go without MFA. @default 7 */
  readonly gracePeriodDays?: number | undefined;
  /** Names or patterns (`svc-*`) of users to exempt: a comma-separated string or a list. */
  readonly excludeUsers?: string | readonly string[] | undefined;
  /** When given, the report covers only these users, and they are never exempted. */
  readonly includeUsers?: string | readonly string[] | undefined;
  /** @default 'awssec:mfa-exempt' */
  readonly exemptionTag?: string | undefined;
  /** The time the rules are applied at. @default now */
  readonly now?: Date | undefined;
  /** Users read at the same time by per-user calls. @default 8 */
  readonly concurrency?: number | undefined;
  /** How long to wait for AWS to generate the credential report. @default 180000 */
  readonly credentialReportTimeoutMs?: number | undefined;
  readonly onProgress?: ((event: InventoryProgress) => void) | undefined;
}

/** Options that make no sense; the message names the option and what it takes. */
export class InvalidOptionError extends Error {
  override readonly name = 'InvalidOptionError';
}

/** Reads the account and assesses every user in scope: the object the JSON output prints. */
export async function generateMfaReport(options: GenerateMfaReportOptions = {}): Promise<MfaReport> {
  const settings = reportSettings(options);
  const inventory = await readScopedInventory(options, settings, awsClients(options));
  return buildMfaReport(inventory, {
    now: options.now ?? new Date(),
    gracePeriodDays: settings.gracePeriodDays,
    selection: settings.selection,
    exemptionTag: options.exemptionTag,
  });
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
  const gracePeriodDays = options.gracePeriodDays ?? DEFAULT_GRACE_PERIOD_DAYS;
  if (!Number.isInteger(gracePeriodDays) || gracePeriodDays < 0) {
    throw new InvalidOptionError(
      `gracePeriodDays must be a whole number of days, 0 or more (got ${gracePeriodDays})`,
    );
  }
  const source = options.source ?? 'bulk';
  if (source !== 'bulk' && source !== 'live' && source !== 'auto') {
    throw new InvalidOptionError(`source must be 'bulk', 'live' or 'auto' (got '${String(source)}')`);
  }
  if (
    options.concurrency !== undefined &&
    !(Number.isInteger(options.concurrency) && options.concurrency > 0)
  ) {
    throw new InvalidOptionError(`concurrency must be a whole number above 0 (got ${options.concurrency})`);
  }
  return {
    source,
    gracePeriodDays,
    selection: {
      include: patterns('includeUsers', options.includeUsers),
      exclude: patterns('excludeUsers', options.excludeUsers),
    },
  };
}

/** Names or patterns from a comma-separated string or a list, checked; the error names the option. */
export function patterns(option: string, value: string | readonly string[] | undefined): string[] {
  try {
    if (value === undefined) return [];
    return typeof value === 'string'
      ? parsePatternList(value)
      : value.map((item) => validatePattern(item.trim()));
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
