import { tagValue } from './tags.ts';
import type { MfaDevice, UserFacts } from './user-facts.ts';
import { atTagQuota, TAG_QUOTA } from './user-record.ts';
import type { UserSelector } from './user-selection.ts';
import { warningTagProblem } from './warnings.ts';

export type ComplianceStatus = 'compliant' | 'non-compliant' | 'grace-period' | 'exempted';
export type Risk = 'high' | 'medium' | 'low';

export const DEFAULT_GRACE_PERIOD_DAYS = 7;
/** A user carrying this tag is exempted; the tag's value is the reason. */
export const EXEMPTION_TAG = 'awssec:mfa-exempt';

const DAY_MS = 86_400_000;

export interface AssessmentOptions {
  readonly now: Date;
  readonly gracePeriodDays: number;
  readonly selector: UserSelector;
  /** @default EXEMPTION_TAG */
  readonly exemptionTag?: string | undefined;
}

export interface UserAssessment {
  readonly user: UserFacts;
  readonly status: ComplianceStatus;
  readonly risk: Risk;
  /** Why the user has this status, most important first, in words a reader of the report understands. */
  readonly reasons: readonly string[];
  readonly hasMfa: boolean;
  readonly consoleAccess: boolean;
  readonly activeAccessKeys: number;
  readonly lastActivity: Date | undefined;
  readonly daysSinceCreation: number;
  /** Set for users in their grace period. */
  readonly gracePeriodEndsAt: Date | undefined;
  /** The exemption this run overrode (it also leads the reasons), or undefined. */
  readonly exemptionOverridden: string | undefined;
}

/** What every status rule may look at, worked out once per user. */
interface UserContext {
  readonly user: UserFacts;
  readonly options: AssessmentOptions;
  readonly hasMfa: boolean;
  readonly activeAccessKeys: number;
  readonly gracePeriodEndsAt: Date;
  /** The user's exemption, unless the run overrides it. */
  readonly exemption: string | undefined;
}

interface Verdict {
  readonly status: ComplianceStatus;
  readonly reasons: readonly string[];
}

/** A status rule: a verdict when it applies, undefined to let the next rule decide. */
type StatusRule = (context: UserContext) => Verdict | undefined;

/**
 * Why the user is exempted, or undefined: named by an exclude pattern or
 * carrying the exemption tag. Whether the run overrides it is the selector's
 * exemptionOverride.
 */
export function exemptionOf(
  user: Pick<UserFacts, 'userName' | 'tags'>,
  selector: Pick<UserSelector, 'excludedBy'>,
  exemptionTag: string = EXEMPTION_TAG,
): string | undefined {
  const pattern = selector.excludedBy(user.userName);
  if (pattern !== undefined) return `exempted: matches exclude pattern ${pattern}`;
  const reason = tagValue(user.tags, exemptionTag);
  return reason === undefined
    ? undefined
    : `exempted by tag ${exemptionTag}: ${reason.trim() || 'no reason given'}`;
}

const exemptedRule: StatusRule = (context) =>
  context.exemption === undefined
    ? undefined
    : { status: 'exempted', reasons: [context.exemption, ...exposure(context)] };

/** Compliant: any MFA device, or nothing to sign in with. */
const compliantRule: StatusRule = ({ user, hasMfa, activeAccessKeys }) => {
  if (hasMfa) return { status: 'compliant', reasons: [describeDevices(user.mfaDevices)] };
  if (!user.consolePassword && activeAccessKeys === 0) {
    return { status: 'compliant', reasons: ['no console password and no active access key'] };
  }
  return undefined;
};

/** Grace period: no MFA and usable credentials, but created less than the grace period ago. */
const gracePeriodRule: StatusRule = (context) => {
  if (context.options.now.getTime() >= context.gracePeriodEndsAt.getTime()) return undefined;
  return {
    status: 'grace-period',
    reasons: [...exposure(context), `new user: grace period ends ${isoDate(context.gracePeriodEndsAt)}`],
  };
};

/** Non-compliant: no MFA, usable credentials, older than the grace period. */
const nonCompliantRule: StatusRule = (context) => ({ status: 'non-compliant', reasons: exposure(context) });

/** First match wins. */
const STATUS_RULES: readonly StatusRule[] = [exemptedRule, compliantRule, gracePeriodRule, nonCompliantRule];

export function assessUser(user: UserFacts, options: AssessmentOptions): UserAssessment {
  const hasMfa = user.mfaDevices.length > 0;
  const activeAccessKeys = user.accessKeys.filter((key) => key.active).length;
  const gracePeriodEndsAt = new Date(user.createdAt.getTime() + options.gracePeriodDays * DAY_MS);
  const exemption = exemptionOf(user, options.selector, options.exemptionTag);
  const override = exemption === undefined ? undefined : options.selector.exemptionOverride(user.userName);
  // An overridden exemption is said first, so nobody reads the verdict without knowing it was set aside.
  const exemptionOverridden =
    override === undefined ? undefined : `exemption overridden (${override}): ${exemption}`;
  const context: UserContext = {
    user,
    options,
    hasMfa,
    activeAccessKeys,
    gracePeriodEndsAt,
    exemption: override === undefined ? exemption : undefined,
  };
  const verdict = firstVerdict(context);
  const notes = [
    warningTagProblem(user.tags, options.now),
    // The tool warns and acts only on these: say where their record must go.
    (verdict.status === 'non-compliant' || verdict.status === 'grace-period') && atTagQuota(user.tags)
      ? `cannot record on the user: tag quota (${TAG_QUOTA} tags, IAM's limit); the record goes to the record store (the nightly run's report bucket, or enforce --record-bucket)`
      : undefined,
  ].filter((note): note is string => note !== undefined);
  const exposed = !hasMfa && (user.consolePassword || activeAccessKeys > 0);
  return {
    user,
    status: verdict.status,
    risk: verdict.status === 'grace-period' ? 'medium' : exposed ? 'high' : 'low',
    reasons: [
      ...(exemptionOverridden === undefined ? [] : [exemptionOverridden]),
      ...verdict.reasons,
      ...notes,
    ],
    hasMfa,
    consoleAccess: user.consolePassword,
    activeAccessKeys,
    lastActivity: latest([user.passwordLastUsedAt, ...user.accessKeys.map((key) => key.lastUsedAt)]),
    daysSinceCreation: Math.max(0, Math.floor((options.now.getTime() - user.createdAt.getTime()) / DAY_MS)),
    gracePeriodEndsAt: verdict.status === 'grace-period' ? gracePeriodEndsAt : undefined,
    exemptionOverridden,
  };
}

function firstVerdict(context: UserContext): Verdict {
  for (const rule of STATUS_RULES) {
    const verdict = rule(context);
    if (verdict) return verdict;
  }
  // nonCompliantRule always answers; this satisfies the type checker.
  throw new Error('no status rule applied');
}

/** The ways this user can reach the account without MFA. */
function exposure({ user, hasMfa, activeAccessKeys }: UserContext): string[] {
  if (hasMfa) return [];
  const reasons: string[] = [];
  if (user.consolePassword) reasons.push('console password without MFA');
  if (activeAccessKeys > 0) {
    reasons.push(`${activeAccessKeys} active access key${activeAccessKeys === 1 ? '' : 's'} without MFA`);
  }
  return reasons;
}

const KIND_NAMES: Record<MfaDevice['kind'], string> = {
  virtual: 'virtual device',
  'security-key': 'FIDO security key',
  'hardware-totp': 'hardware TOTP token',
};

/** `MFA: virtual device`, or `MFA: 2 devices (virtual device, FIDO security key)`. */
export function describeDevices(devices: readonly MfaDevice[]): string {
  const kinds = [...new Set(devices.map((device) => KIND_NAMES[device.kind]))].join(', ');
  return devices.length === 1 ? `MFA: ${kinds}` : `MFA: ${devices.length} devices (${kinds})`;
}

function latest(dates: readonly (Date | undefined)[]): Date | undefined {
  let result: Date | undefined;
  for (const date of dates) if (date && (!result || date > result)) result = date;
  return result;
}

export function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
