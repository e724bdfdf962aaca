import type { UserAssessment } from './assessment.ts';
import { tagValue } from './tags.ts';
import type { UserFacts } from './user-facts.ts';
import { warnedInTime } from './warnings.ts';

/**
 * Enforcement as pure decisions: who may be acted on, whether the run is
 * within its blast-radius limits, what each user needs (from facts read
 * live just before), and how the change is recorded on the user so that it
 * can be undone. The adapters carry the decisions out.
 */

/** Tags that record on the user what enforcement did; `restore` reads them. */
export const ENFORCEMENT_TAGS = {
  enforcedAt: 'awssec:mfa-enforced-at',
  disabledKeys: 'awssec:mfa-disabled-keys',
  consoleRemoved: 'awssec:mfa-console-removed',
  /** Set only when enforcement attached RequireMFA, so restore never detaches what onboarding attached. */
  policyAttachedAt: 'awssec:mfa-policy-attached-at',
} as const;

export type EnforcementAction =
  | { readonly kind: 'disable-access-key'; readonly accessKeyId: string }
  | { readonly kind: 'attach-require-mfa' }
  | { readonly kind: 'delete-login-profile' };

export type RestoreAction =
  | { readonly kind: 'enable-access-key'; readonly accessKeyId: string }
  | { readonly kind: 'detach-require-mfa' }
  | { readonly kind: 'remove-enforcement-tags'; readonly tagKeys: readonly string[] };

/** Why a non-compliant user is left alone whatever the report says. */
export type ProtectedReason = 'caller' | 'break-glass' | 'not-warned';

export interface TargetSelection {
  /** Non-compliant users the run may act on, in report order. */
  readonly targets: readonly UserAssessment[];
  /** Non-compliant users that are never acted on, and why. */
  readonly protectedUsers: readonly {
    readonly assessment: UserAssessment;
    readonly reason: ProtectedReason;
  }[];
}

export interface TargetOptions {
  /** The IAM user running the tool, if it is one. */
  readonly callerUserName?: string | undefined;
  /** The break-glass pattern naming the user (see patternMatcher): never acted on, whatever their status. */
  readonly breakGlass: (userName: string) => string | undefined;
  /** When set (the nightly run's time), only users warned at least a day before, and not too long ago, are targets. */
  readonly requireWarningAt?: Date | undefined;
}

/**
 * Only non-compliant users are targets; exempted, grace-period and compliant
 * users never are. The caller and break-glass users are protected even when
 * non-compliant. IAM user names are unique regardless of case.
 */
export function selectTargets(
  assessments: readonly UserAssessment[],
  options: TargetOptions,
): TargetSelection {
  const caller = options.callerUserName?.toLowerCase();
  const targets: UserAssessment[] = [];
  const protectedUsers: { assessment: UserAssessment; reason: ProtectedReason }[] = [];
  for (const assessment of assessments) {
    if (assessment.status !== 'non-compliant') continue;
    const name = assessment.user.userName;
    if (caller !== undefined && name.toLowerCase() === caller) {
      protectedUsers.push({ assessment, reason: 'caller' });
    } else if (options.breakGlass(name) !== undefined) {
      protectedUsers.push({ assessment, reason: 'break-glass' });
    } else if (
      options.requireWarningAt !== undefined &&
      !warnedInTime(assessment.user.tags, options.requireWarningAt)
    ) {
      protectedUsers.push({ assessment, reason: 'not-warned' });
    } else {
      targets.push(assessment);
    }
  }
  return { targets, protectedUsers };
}

export interface BlastRadiusLimits {
  /** Most users one run may act on. */
  readonly maxUsers: number;
  /** Most users one run may act on, as a percentage of all IAM users in the account. */
  readonly maxPercent: number;
}

export const DEFAULT_BLAST_RADIUS: BlastRadiusLimits = { maxUsers: 10, maxPercent: 50 };

/** Why a run of this size must not go ahead, or undefined when it is within both limits. */
export function blastRadiusExceeded(
  targets: number,
  usersInAccount: number,
  limits: BlastRadiusLimits,
): string | undefined {
  const percent = usersInAccount === 0 ? 0 : (targets / usersInAccount) * 100;
  const over: string[] = [];
  if (targets > limits.maxUsers) over.push(`more than --max-users ${limits.maxUsers}`);
  if (percent > limits.maxPercent) {
    over.push(
      `${percent.toFixed(1)}% of the account's ${usersInAccount} users, above --max-percent ${limits.maxPercent}`,
    );
  }
  return over.length === 0
    ? undefined
    : `this run would act on ${targets} user${targets === 1 ? '' : 's'}: ${over.join(', and ')}`;
}

export interface LiveUserState {
  readonly facts: UserFacts;
  readonly requireMfaAttached: boolean;
}

/**
 * What a user needs, from facts read just now: every active access key
 * disabled (never deleted), RequireMFA attached, and with
 * `disableConsoleAccess` the password removed. Nothing already done is
 * planned again, which makes a second run a no-op.
 */
export function plannedActions(
  state: LiveUserState,
  options: { readonly disableConsoleAccess: boolean },
): EnforcementAction[] {
  const actions: EnforcementAction[] = [];
  for (const key of state.facts.accessKeys) {
    if (key.active && key.accessKeyId !== undefined) {
      actions.push({ kind: 'disable-access-key', accessKeyId: key.accessKeyId });
    }
  }
  if (!state.requireMfaAttached) actions.push({ kind: 'attach-require-mfa' });
  if (options.disableConsoleAccess && state.facts.consolePassword)
    actions.push({ kind: 'delete-login-profile' });
  return actions;
}

/**
 * Whether the user, as the report saw them, still needs something done: an
 * active access key, RequireMFA not attached (or not known to be), or with
 * `disableConsoleAccess` a password. The guard counts these users; one that
 * earlier enforcement finished counts for nothing. The live re-check decides
 * the actions themselves.
 */
export function needsEnforcement(
  user: UserFacts,
  options: { readonly disableConsoleAccess: boolean; readonly requireMfaPolicyArn: string },
): boolean {
  return (
    user.accessKeys.some((key) => key.active) ||
    !(user.attachedPolicyArns ?? []).includes(options.requireMfaPolicyArn) ||
    (options.disableConsoleAccess && user.consolePassword)
  );
}

// IAM tag values take letters, digits, spaces and _ . : / = + - @ (no commas), at most 256 characters.
const TAG_VALUE_MAX = 256;

/**
 * The tags that record the planned actions, merged with what earlier runs
 * recorded. Written before the actions, so that a run cut short still leaves
 * a record restore can follow (re-enabling a key that was never disabled is
 * harmless).
 */
export function enforcementTags(
  existing: Readonly<Record<string, string>>,
  actions: readonly EnforcementAction[],
  now: Date,
): Record<string, string> {
  if (actions.length === 0) return {};
  const at = now.toISOString();
  const tags: Record<string, string> = { [ENFORCEMENT_TAGS.enforcedAt]: at };
  const keyIds = actions.flatMap((action) =>
    action.kind === 'disable-access-key' ? [action.accessKeyId] : [],
  );
  if (keyIds.length > 0) {
    tags[ENFORCEMENT_TAGS.disabledKeys] = mergeKeyIds(
      tagValue(existing, ENFORCEMENT_TAGS.disabledKeys),
      keyIds,
    );
  }
  if (actions.some((action) => action.kind === 'attach-require-mfa'))
    tags[ENFORCEMENT_TAGS.policyAttachedAt] = at;
  if (actions.some((action) => action.kind === 'delete-login-profile'))
    tags[ENFORCEMENT_TAGS.consoleRemoved] = at;
  return tags;
}

/** Earlier ids first; the oldest fall off when the value would pass IAM's limit. */
function mergeKeyIds(existing: string | undefined, added: readonly string[]): string {
  const ids = [...new Set([...(existing ?? '').split(' ').filter((id) => id !== ''), ...added])];
  while (ids.join(' ').length > TAG_VALUE_MAX) ids.shift();
  return ids.join(' ');
}

/** The access key ids an earlier enforcement disabled, from the user's tags. */
export function disabledKeyIds(tags: Readonly<Record<string, string>>): string[] {
  return (tagValue(tags, ENFORCEMENT_TAGS.disabledKeys) ?? '').split(' ').filter((id) => id !== '');
}

export interface RestorePlan {
  readonly actions: readonly RestoreAction[];
  /** What enforcement did that cannot be undone, in words for the operator. */
  readonly cannotRestore: readonly string[];
  /** Whether any enforcement record was found on the user. */
  readonly enforced: boolean;
}

/**
 * Undoes what the tags say enforcement did: re-enables the keys it disabled
 * that still exist and are inactive, detaches RequireMFA if enforcement
 * attached it, and removes the tags. A deleted password cannot be brought
 * back: AWS keeps no copy.
 */
export function restorePlan(state: LiveUserState): RestorePlan {
  const { tags } = state.facts;
  const recorded = Object.values(ENFORCEMENT_TAGS).filter((key) => tagValue(tags, key) !== undefined);
  if (recorded.length === 0) return { actions: [], cannotRestore: [], enforced: false };
  const actions: RestoreAction[] = [];
  const inactive = new Set(
    state.facts.accessKeys.filter((key) => !key.active).map((key) => key.accessKeyId ?? ''),
  );
  for (const accessKeyId of disabledKeyIds(tags)) {
    if (inactive.has(accessKeyId)) actions.push({ kind: 'enable-access-key', accessKeyId });
  }
  if (tagValue(tags, ENFORCEMENT_TAGS.policyAttachedAt) !== undefined && state.requireMfaAttached) {
    actions.push({ kind: 'detach-require-mfa' });
  }
  const cannotRestore: string[] = [];
  const consoleRemovedAt = tagValue(tags, ENFORCEMENT_TAGS.consoleRemoved);
  if (consoleRemovedAt !== undefined && !state.facts.consolePassword) {
    cannotRestore.push(
      `the console password deleted at ${consoleRemovedAt}: AWS keeps no copy; set a new one with aws iam create-login-profile --user-name ${state.facts.userName} --password-reset-required --password …`,
    );
  }
  actions.push({ kind: 'remove-enforcement-tags', tagKeys: actualTagKeys(tags, recorded) });
  return { actions, cannotRestore, enforced: true };
}

/** Tag keys as the user carries them (IAM treats keys that differ only in case as one). */
function actualTagKeys(tags: Readonly<Record<string, string>>, wanted: readonly string[]): string[] {
  const lower = new Set(wanted.map((key) => key.toLowerCase()));
  return Object.keys(tags).filter((key) => lower.has(key.toLowerCase()));
}

export function describeAction(action: EnforcementAction | RestoreAction): string {
  switch (action.kind) {
    case 'disable-access-key':
      return `disable access key ${action.accessKeyId}`;
    case 'attach-require-mfa':
      return 'attach RequireMFA';
    case 'delete-login-profile':
      return 'delete console password';
    case 'enable-access-key':
      return `re-enable access key ${action.accessKeyId}`;
    case 'detach-require-mfa':
      return 'detach RequireMFA';
    case 'remove-enforcement-tags':
      return `remove tags ${action.tagKeys.join(', ')}`;
  }
}
