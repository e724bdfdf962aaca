/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`).
 * Every key has a default, so `cdk synth` works with no context at all; a bad
 * value stops synth with a message that names the key, the value and what is
 * allowed. `-c` passes strings, so booleans, numbers and lists are accepted as
 * strings too.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { describeRange, numberInRange, type RangedOption } from '../lambdas/core/option-ranges.ts';
import { listItems, parsePatternList } from '../lambdas/core/user-selection.ts';
import { NIGHTLY_MODES, type NightlyModeName } from '../lambdas/function-contract.ts';

export interface AwssecConfig {
  /** SES-verified sender of the users' mails; empty: no mail is sent (and no SES permission granted). */
  readonly senderEmail: string;
  /** Mail goes to `<user>@<emailDomain>` when the user has no `email` tag; empty: the tag only. */
  readonly emailDomain: string;
  /** Addresses subscribed to the security SNS topic (each confirms by mail). */
  readonly securityEmails: readonly string[];
  /** When the nightly run starts: an EventBridge `cron(...)` expression, in UTC. */
  readonly schedule: string;
  readonly mode: NightlyModeName;
  /** Enforcement acts only when true; otherwise it is a dry run whose plan goes in the summary. */
  readonly apply: boolean;
  readonly gracePeriodDays: number;
  readonly warningDays: number;
  /** Names or patterns (`svc-*`) exempted from the assessment. */
  readonly excludeUsers: readonly string[];
  /** Names or patterns never acted on. */
  readonly breakGlass: readonly string[];
  /** At most this many users acted on in one run. */
  readonly maxUsers: number;
  /** At most this percentage of the account's users acted on in one run. */
  readonly maxPercent: number;
  /** Enforcement also deletes the console password (it cannot be restored). */
  readonly disableConsoleAccess: boolean;
  readonly logRetentionDays: RetentionDays;
  /** At most one alert per user and kind in this many minutes. */
  readonly alertWindowMinutes: number;
  /** The nightly run imports its findings into the account's Security Hub (us-east-1), which must be enabled. */
  readonly securityHub: boolean;
  /**
   * The regions whose console sign-ins raise alerts: each one but us-east-1
   * gets a stack that forwards them to us-east-1, which the main stack covers
   * whether listed or not.
   */
  readonly regions: readonly string[];
  /**
   * Organization mode: the main stack also installs, through a service-managed
   * StackSet, the member roles and event forwarding in the accounts of
   * `targetOus`. Off: one account, exactly as without it.
   */
  readonly organization: boolean;
  /** `o-…`: the organization the member roles and the central bus trust; organization mode only. */
  readonly organizationId: string;
  /** The root (`r-…`) or OUs (`ou-…-…`) whose accounts get the member stack; organization mode only. */
  readonly targetOus: readonly string[];
  /**
   * IAM roles of the organization that people run `report --org` with: the
   * member audit role trusts them too. Organization mode only.
   */
  readonly auditOperatorRoles: readonly string[];
  /** IAM roles people run `enforce --org` with: the member enforce role trusts them too. */
  readonly enforceOperatorRoles: readonly string[];
  /** Accounts the nightly state machine runs at once (its Map state's MaxConcurrency); organization mode only. */
  readonly accountConcurrency: number;
}

/**
 * The regions every commercial (`aws` partition) account has enabled from the
 * start, those launched before 20 March 2019; an opt-in region is listed by
 * whoever enabled it.
 */
export const DEFAULT_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'sa-east-1',
];

export const DEFAULT_CONFIG: AwssecConfig = {
  senderEmail: '',
  emailDomain: '',
  securityEmails: [],
  schedule: 'cron(0 3 * * ? *)',
  mode: 'report',
  apply: false,
  gracePeriodDays: 7,
  warningDays: 3,
  excludeUsers: [],
  breakGlass: [],
  maxUsers: 10,
  maxPercent: 50,
  disableConsoleAccess: false,
  logRetentionDays: RetentionDays.ONE_YEAR,
  alertWindowMinutes: 60,
  securityHub: false,
  regions: DEFAULT_REGIONS,
  organization: false,
  organizationId: '',
  targetOus: [],
  auditOperatorRoles: [],
  enforceOperatorRoles: [],
  accountConcurrency: 8,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The retention periods CloudWatch Logs accepts (RetentionDays without INFINITE). */
export const LOG_RETENTION_VALUES: readonly number[] = Object.values(RetentionDays)
  .filter((value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE)
  .sort((a, b) => a - b);

const EMAIL =
  /^[^\s@<>,;"']+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const CRON_FIELD = /^[0-9A-Za-z*?,\-/#]+$/;

/** `context mode: 'audit' is not one of report, warn, enforce` */
function invalid(key: string, value: unknown, allowed: string): ConfigError {
  const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return new ConfigError(`context ${key}: ${shown} ${allowed}`);
}

function stringValue(key: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(key, value, 'is not a string');
  return value.trim();
}

function emailValue(key: string, value: unknown, optional: boolean): string {
  const text = stringValue(key, value);
  if (optional && text === '') return '';
  if (!EMAIL.test(text)) throw invalid(key, value, 'is not an email address (name@example.com)');
  return text;
}

function domainValue(key: string, value: unknown): string {
  const text = stringValue(key, value).replace(/^@/, '');
  if (text !== '' && !DOMAIN.test(text)) throw invalid(key, value, 'is not a domain name (example.com)');
  return text;
}

/**
 * A JSON array of strings, or one string of comma-separated items (`a,b`,
 * `["a","b"]`). A key given but naming nothing (`''`, `'[]'`, `[]`), or with an
 * empty item (`'a,,b'`, `['a','']`), is refused: leave the key out for none.
 */
function listValue(key: string, value: unknown, what?: string): string[] {
  let items: unknown = value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      items = JSON.parse(value);
    } catch {
      throw invalid(key, value, 'is not a JSON array of strings nor a comma-separated list');
    }
  }
  if (typeof items !== 'string' && !Array.isArray(items)) {
    throw invalid(key, value, 'is not a list of strings (a JSON array or a comma-separated string)');
  }
  try {
    return listItems(items, what);
  } catch (error) {
    throw new ConfigError(`context ${key}: ${(error as Error).message}`);
  }
}

function patternListValue(key: string, value: unknown): string[] {
  const items = listValue(key, value);
  // The functions get the list comma-separated: a name with a comma in it would be split in two.
  const withComma = items.find((item) => item.includes(','));
  if (withComma !== undefined) {
    throw invalid(key, withComma, 'contains a comma, which the functions read as a separator');
  }
  try {
    return parsePatternList(items);
  } catch (error) {
    throw new ConfigError(`context ${key}: ${(error as Error).message}`);
  }
}

/** The commercial (`aws` partition) regions the installed aws-cdk-lib knows, sorted. */
export const COMMERCIAL_REGIONS: readonly string[] = RegionInfo.regions
  .filter((region) => region.partition === 'aws')
  .map((region) => region.name)
  .sort();

/** Names of commercial regions, each once: the app deploys into one commercial account. */
function regionListValue(key: string, value: unknown): string[] {
  const regions = listValue(key, value, 'region names');
  regions.forEach((region, index) => {
    if (regions.indexOf(region) !== index)
      throw invalid(key, region, 'is listed twice: name each region once');
    if (COMMERCIAL_REGIONS.includes(region)) return;
    const partition = RegionInfo.get(region).partition;
    if (partition !== undefined) {
      throw invalid(
        key,
        region,
        `is a region of the ${partition} partition: the stacks go to one commercial (aws) account, so list its regions only`,
      );
    }
    const meant = nearest(region, COMMERCIAL_REGIONS);
    throw invalid(
      key,
      region,
      meant === undefined
        ? `is not a commercial AWS region: give names such as eu-west-1 (known: ${COMMERCIAL_REGIONS.join(', ')})`
        : `is not a commercial AWS region; did you mean ${meant}?`,
    );
  });
  return regions;
}

/** Organizations' id formats (its API reference): `o-` then 10 to 32 lowercase letters or digits. */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

function organizationIdValue(key: string, value: unknown): string {
  const text = stringValue(key, value);
  if (!ORGANIZATION_ID.test(text)) {
    throw invalid(key, value, 'is not an organization id (o- and 10 to 32 lowercase letters or digits)');
  }
  return text;
}

/** An IAM role's ARN: `arn:aws:iam::123456789012:role/NAME` (a path allowed). */
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** Role ARNs, each once: whom a member role trusts besides the central function. */
function roleArnListValue(key: string, value: unknown): string[] {
  const arns = listValue(key, value, 'role ARNs');
  arns.forEach((arn, index) => {
    if (!ROLE_ARN.test(arn)) {
      throw invalid(
        key,
        arn,
        'is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME): trust roles, not users or accounts',
      );
    }
    if (arns.indexOf(arn) !== index) throw invalid(key, arn, 'is listed twice: name each role once');
  });
  return arns;
}

/** The root, or OUs, each once: the root already holds every OU, so it goes alone. */
function targetOuListValue(key: string, value: unknown): string[] {
  const ids = listValue(key, value, 'OU or root ids');
  ids.forEach((id, index) => {
    if (!ROOT_ID.test(id) && !OU_ID.test(id)) {
      throw invalid(key, id, 'is neither a root id (r-xxxx) nor an OU id (ou-xxxx-xxxxxxxx)');
    }
    if (ids.indexOf(id) !== index) throw invalid(key, id, 'is listed twice: name each OU once');
  });
  const root = ids.find((id) => ROOT_ID.test(id));
  if (root !== undefined && ids.length > 1) {
    throw invalid(key, root, 'is the root, which holds every OU: give the root alone, or OUs only');
  }
  return ids;
}

function booleanValue(key: string, value: unknown): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(key, value, 'is not true or false');
}

/** A number of the key's range (lambdas/core/option-ranges.ts): a JSON number or plain decimal text. */
function rangedValue(key: RangedOption, value: unknown): number {
  const number = numberInRange(key, value);
  if (number === undefined) throw invalid(key, value, `is not ${describeRange(key)}`);
  return number;
}

function modeValue(key: string, value: unknown): NightlyModeName {
  const mode = NIGHTLY_MODES.find((candidate) => candidate === value);
  if (mode === undefined) throw invalid(key, value, `is not one of ${NIGHTLY_MODES.join(', ')}`);
  return mode;
}

/** An EventBridge cron expression: `cron(min hour day-of-month month day-of-week year)`, one of the days `?`. */
function scheduleValue(key: string, value: unknown): string {
  const allowed =
    'is not an EventBridge cron expression: cron(minutes hours day-of-month month day-of-week year), with ? in day-of-month or day-of-week, e.g. cron(0 3 * * ? *)';
  const text = stringValue(key, value);
  const fields = /^cron\((.*)\)$/.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6 || !fields.every((field) => CRON_FIELD.test(field)))
    throw invalid(key, value, allowed);
  if ((fields[2] === '?') === (fields[4] === '?')) throw invalid(key, value, allowed);
  return text;
}

function retentionValue(key: string, value: unknown): RetentionDays {
  const allowed = `is not a CloudWatch Logs retention (days): one of ${LOG_RETENTION_VALUES.join(', ')}`;
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !LOG_RETENTION_VALUES.includes(number))
    throw invalid(key, value, allowed);
  return number as RetentionDays;
}

type Reader<K extends keyof AwssecConfig> = (key: K, value: unknown) => AwssecConfig[K];

const READERS: { readonly [K in keyof AwssecConfig]: Reader<K> } = {
  senderEmail: (key, value) => emailValue(key, value, true),
  emailDomain: domainValue,
  securityEmails: (key, value) =>
    listValue(key, value, 'email addresses').map((item) => emailValue(key, item, false)),
  schedule: scheduleValue,
  mode: modeValue,
  apply: booleanValue,
  gracePeriodDays: rangedValue,
  warningDays: rangedValue,
  excludeUsers: patternListValue,
  breakGlass: patternListValue,
  maxUsers: rangedValue,
  maxPercent: rangedValue,
  disableConsoleAccess: booleanValue,
  logRetentionDays: retentionValue,
  alertWindowMinutes: rangedValue,
  securityHub: booleanValue,
  regions: regionListValue,
  organization: booleanValue,
  organizationId: organizationIdValue,
  targetOus: targetOuListValue,
  auditOperatorRoles: roleArnListValue,
  enforceOperatorRoles: roleArnListValue,
  accountConcurrency: rangedValue,
};

/** The context keys this app reads, in the order docs/deploy.md lists them. */
export const CONFIG_KEYS = Object.keys(READERS) as (keyof AwssecConfig)[];

/**
 * The config from CDK context: `readConfig((key) => app.node.tryGetContext(key))`.
 * An absent (undefined or null) key takes its default.
 */
export function readConfig(context: (key: string) => unknown): AwssecConfig {
  const read = <K extends keyof AwssecConfig>(key: K): AwssecConfig[K] => {
    const value = context(key);
    return value === undefined || value === null ? DEFAULT_CONFIG[key] : READERS[key](key, value);
  };
  const config = Object.fromEntries(CONFIG_KEYS.map((key) => [key, read(key)])) as unknown as AwssecConfig;
  // Nobody is acted on without a warning by mail first, so warning needs someone to send it.
  if (config.mode !== 'report' && config.senderEmail === '') {
    throw new ConfigError(
      `context senderEmail: mode ${config.mode} warns users by mail before anything happens to them; set senderEmail to an SES-verified address, or use mode report`,
    );
  }
  checkOrganizationMode(config);
  if (
    !config.organization &&
    context('accountConcurrency') !== undefined &&
    context('accountConcurrency') !== null
  ) {
    throw new ConfigError(
      'context accountConcurrency: only organization mode uses it; set organization=true as well, or leave accountConcurrency out',
    );
  }
  return config;
}

/**
 * Organization mode needs the organization and where to install; single-account
 * mode refuses them, so that a forgotten `organization=true` is not silent.
 */
function checkOrganizationMode(config: AwssecConfig): void {
  if (!config.organization) {
    for (const key of [
      'organizationId',
      'targetOus',
      'auditOperatorRoles',
      'enforceOperatorRoles',
    ] as const) {
      if (config[key].length > 0) {
        throw new ConfigError(
          `context ${key}: only organization mode uses it; set organization=true as well, or leave ${key} out`,
        );
      }
    }
    return;
  }
  if (config.organizationId === '') {
    throw new ConfigError(
      "context organizationId: organization mode needs the organization's id (o-…: aws organizations describe-organization --query Organization.Id)",
    );
  }
  if (config.targetOus.length === 0) {
    throw new ConfigError(
      "context targetOus: organization mode needs where to install the member stack: the root's id for the whole organization (r-…: aws organizations list-roots --query 'Roots[].Id'), or OU ids (ou-…)",
    );
  }
}

/**
 * Refuses a context key that is neither this app's nor the CDK's: a
 * misspelt `-c sendrEmail=…` must not leave senderEmail at its default
 * unnoticed. The CDK's own keys all carry a `:` (`aws:cdk:…`,
 * `@aws-cdk/core:…`), and this app's never do.
 */
export function checkContextKeys(keys: readonly string[]): void {
  const known: readonly string[] = CONFIG_KEYS;
  for (const key of keys) {
    if (key.includes(':') || known.includes(key)) continue;
    const meant = nearest(key, known);
    throw new ConfigError(
      `context ${key} is not a setting of awssec iam-mfa${meant === undefined ? '' : `; did you mean ${meant}?`} (settings: ${known.join(', ')})`,
    );
  }
}

/** The known name (a key, a region) closest to a misspelt one, when it is close enough to be what was meant. */
function nearest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(best.name.length / 3))
    ? best.name
    : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
