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
  | { readonly kind: 'remove-enforcement-tags'; readonly tagKeys: readonly string[] }
  /** A partial restore (`--key`): the record keeps the keys left disabled. */
  | { readonly kind: 'update-enforcement-record'; readonly tags: Readonly<Record<string, string>> };

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
  /** What the users are counted over, for the message. */
  scope: 'account' | 'organization' = 'account',
): string | undefined {
  const percent = usersInAccount === 0 ? 0 : (targets / usersInAccount) * 100;
  const over: string[] = [];
  if (targets > limits.maxUsers) over.push(`more than --max-users ${limits.maxUsers}`);
  if (percent > limits.maxPercent) {
    over.push(
      `${percent.toFixed(1)}% of the ${scope}'s ${usersInAccount} users, above --max-percent ${limits.maxPercent}`,
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
 * harmless). Each disabled key is recorded with the time it was disabled,
 * `AKIA…@2026-11-23T03:00:00Z`: restore needs it to tell a key still as
 * enforcement left it from one somebody re-enabled and disabled again.
 */
export function enforcementTags(
  existing: Readonly<Record<string, string>>,
  actions: readonly EnforcementAction[],
  now: Date,
): Record<string, string> {
  if (actions.length === 0) return {};
  const at = now.toISOString();
  const tags: Record<string, string> = { [ENFORCEMENT_TAGS.enforcedAt]: at };
  const disabled = actions.flatMap((action) =>
    action.kind === 'disable-access-key' ? [{ accessKeyId: action.accessKeyId, disabledAt: now }] : [],
  );
  if (disabled.length > 0) {
    const earlier = disabledKeys(existing).filter(
      (key) => !disabled.some((added) => added.accessKeyId === key.accessKeyId),
    );
    tags[ENFORCEMENT_TAGS.disabledKeys] = disabledKeysValue([...earlier, ...disabled]);
  }
  if (actions.some((action) => action.kind === 'attach-require-mfa'))
    tags[ENFORCEMENT_TAGS.policyAttachedAt] = at;
  if (actions.some((action) => action.kind === 'delete-login-profile'))
    tags[ENFORCEMENT_TAGS.consoleRemoved] = at;
  return tags;
}

/** A key enforcement disabled, and when (unknown for records written before times were kept). */
export interface DisabledKey {
  readonly accessKeyId: string;
  readonly disabledAt: Date | undefined;
}

/** Earlier keys first; the oldest fall off when the value would pass IAM's limit. */
function disabledKeysValue(keys: readonly DisabledKey[]): string {
  const entries = keys.map(({ accessKeyId, disabledAt }) =>
    disabledAt === undefined
      ? accessKeyId
      : `${accessKeyId}@${disabledAt.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
  );
  while (entries.join(' ').length > TAG_VALUE_MAX) entries.shift();
  return entries.join(' ');
}

/**
 * The keys an earlier enforcement disabled, from the user's tags:
 * `AKIA…@time` entries, or bare ids (then the time of the enforcement, if
 * recorded). An entry that is not a key id is ignored: tags are not trusted.
 */
export function disabledKeys(tags: Readonly<Record<string, string>>): DisabledKey[] {
  const enforcedAt = parseTime(tagValue(tags, ENFORCEMENT_TAGS.enforcedAt));
  return (tagValue(tags, ENFORCEMENT_TAGS.disabledKeys) ?? '').split(' ').flatMap((entry) => {
    const [accessKeyId = '', time] = entry.split('@');
    if (!ACCESS_KEY_ID.test(accessKeyId)) return [];
    return [{ accessKeyId, disabledAt: time === undefined ? enforcedAt : parseTime(time) }];
  });
}

/** The access key ids an earlier enforcement disabled, from the user's tags. */
export function disabledKeyIds(tags: Readonly<Record<string, string>>): string[] {
  return disabledKeys(tags).map((key) => key.accessKeyId);
}

/** IAM access key ids: upper-case letters and digits, 16 to 128 (AKIA… has 20). */
export const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;

function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A key used this long after enforcement disabled it was re-enabled by
 * somebody: longer than IAM takes to make a disabled key stop working
 * everywhere (its changes are eventually consistent).
 */
export const KEY_USE_AFTER_DISABLE_MS = 5 * 60_000;

/** What restore does with one key enforcement disabled, and why. */
export interface KeyRestoreVerdict {
  readonly accessKeyId: string;
  readonly disabledAt: Date | undefined;
  /** The key now: `inactive`, `active`, or `deleted`. */
  readonly state: 'inactive' | 'active' | 'deleted';
  readonly verdict: 're-enable' | 'skip';
  readonly why: string;
}

export interface RestorePlan {
  readonly actions: readonly RestoreAction[];
  /** Every key the record names, with what restore does with it and why. */
  readonly keys: readonly KeyRestoreVerdict[];
  /** What enforcement did that cannot be undone, in words for the operator. */
  readonly cannotRestore: readonly string[];
  /** Whether any enforcement record was found on the user. */
  readonly enforced: boolean;
  /** The user is still without MFA and can still sign in or call AWS after the restore: enforce would act again. */
  readonly stillExposed: boolean;
}

export interface RestoreOptions {
  /** Restore only these keys (`--key`): the policy stays attached, and the record keeps the other keys. */
  readonly onlyKeys?: readonly string[] | undefined;
}

/** A `--key` names a key enforcement did not disable on this user: nothing is done (exit code 2). */
export class UnrecordedKeyError extends Error {
  override readonly name = 'UnrecordedKeyError';
}

/**
 * Undoes what the tags say enforcement did: re-enables the keys it disabled
 * that are still as it left them (inactive, and not used since: a key used
 * after it was disabled was re-enabled by somebody, so its being inactive
 * now is somebody else's decision), detaches RequireMFA if enforcement
 * attached it, and removes the tags. With `onlyKeys`, only those keys, and
 * the record keeps the rest. A deleted password cannot be brought back: AWS
 * keeps no copy.
 */
export function restorePlan(state: LiveUserState, options: RestoreOptions = {}): RestorePlan {
  const { tags } = state.facts;
  const recorded = Object.values(ENFORCEMENT_TAGS).filter((key) => tagValue(tags, key) !== undefined);
  const disabled = disabledKeys(tags);
  const selected = options.onlyKeys === undefined ? undefined : new Set(options.onlyKeys);
  for (const id of selected ?? []) {
    if (!disabled.some((key) => key.accessKeyId === id)) {
      throw new UnrecordedKeyError(
        `--key ${id}: enforcement did not disable this key of ${state.facts.userName} (${disabled.length === 0 ? 'it disabled none' : `it disabled ${disabled.map((key) => key.accessKeyId).join(', ')}`}); see awssec iam-mfa restore --user ${state.facts.userName}`,
      );
    }
  }
  const keys = disabled.map((key) => keyVerdict(key, state, selected));
  if (recorded.length === 0) {
    return { actions: [], keys, cannotRestore: [], enforced: false, stillExposed: false };
  }
  const actions: RestoreAction[] = keys
    .filter((key) => key.verdict === 're-enable')
    .map((key) => ({ kind: 'enable-access-key', accessKeyId: key.accessKeyId }));
  if (selected === undefined) {
    if (tagValue(tags, ENFORCEMENT_TAGS.policyAttachedAt) !== undefined && state.requireMfaAttached) {
      actions.push({ kind: 'detach-require-mfa' });
    }
    actions.push({ kind: 'remove-enforcement-tags', tagKeys: actualTagKeys(tags, recorded) });
  } else {
    // Only the keys: the record keeps those not selected, which are still enforcement's to restore.
    const left = disabled.filter((key) => !selected.has(key.accessKeyId));
    actions.push(
      left.length > 0
        ? {
            kind: 'update-enforcement-record',
            tags: { [ENFORCEMENT_TAGS.disabledKeys]: disabledKeysValue(left) },
          }
        : {
            kind: 'remove-enforcement-tags',
            tagKeys: actualTagKeys(tags, [ENFORCEMENT_TAGS.disabledKeys]),
          },
    );
  }
  const cannotRestore: string[] = [];
  const consoleRemovedAt = tagValue(tags, ENFORCEMENT_TAGS.consoleRemoved);
  if (selected === undefined && consoleRemovedAt !== undefined && !state.facts.consolePassword) {
    cannotRestore.push(
      `the console password deleted at ${consoleRemovedAt}: AWS keeps no copy; set a new one with aws iam create-login-profile --user-name ${state.facts.userName} --password-reset-required --password …`,
    );
  }
  const reEnabled = new Set(actions.flatMap((a) => (a.kind === 'enable-access-key' ? [a.accessKeyId] : [])));
  const stillExposed =
    state.facts.mfaDevices.length === 0 &&
    (state.facts.consolePassword ||
      state.facts.accessKeys.some((key) => key.active || reEnabled.has(key.accessKeyId ?? '')));
  return { actions, keys, cannotRestore, enforced: true, stillExposed };
}

function keyVerdict(
  key: DisabledKey,
  state: LiveUserState,
  selected: ReadonlySet<string> | undefined,
): KeyRestoreVerdict {
  const now = state.facts.accessKeys.find((candidate) => candidate.accessKeyId === key.accessKeyId);
  const base = { accessKeyId: key.accessKeyId, disabledAt: key.disabledAt };
  if (now === undefined) {
    return { ...base, state: 'deleted', verdict: 'skip', why: 'deleted since: nothing to re-enable' };
  }
  const current = now.active ? 'active' : 'inactive';
  if (selected !== undefined && !selected.has(key.accessKeyId)) {
    return {
      ...base,
      state: current,
      verdict: 'skip',
      why: 'not selected (--key): left as it is, and kept in the record',
    };
  }
  if (now.active) {
    return { ...base, state: current, verdict: 'skip', why: 'already active: somebody re-enabled it' };
  }
  const usedAfter =
    now.lastUsedAt !== undefined &&
    key.disabledAt !== undefined &&
    now.lastUsedAt.getTime() > key.disabledAt.getTime() + KEY_USE_AFTER_DISABLE_MS;
  if (usedAfter) {
    return {
      ...base,
      state: current,
      verdict: 'skip',
      why: `used at ${now.lastUsedAt?.toISOString()}, after enforcement disabled it: somebody re-enabled it since, so its being inactive now is their decision; if it should be active, aws iam update-access-key --user-name ${state.facts.userName} --access-key-id ${key.accessKeyId} --status Active`,
    };
  }
  return { ...base, state: current, verdict: 're-enable', why: 'inactive, as enforcement left it' };
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
    case 'update-enforcement-record':
      return `keep in the record: ${Object.values(action.tags).join(' ')}`;
  }
}
