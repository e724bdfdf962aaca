import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { errorText, isNoSuchEntity } from '../aws/aws-call-error.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import { performAction, readLiveUserState } from '../aws/iam-enforcer.ts';
import type { InventoryProgress, InventorySourceKind } from '../aws/iam-inventory.ts';
import {
  createS3Client,
  type RecordedIn,
  type RecordTarget,
  recordOnUser,
  s3RecordStore,
  TagQuotaError,
  tagQuotaMessage,
} from '../aws/record-store.ts';
import { createRequireMfaPolicy, readTrustedRequireMfaPolicy } from '../aws/require-mfa-policy.ts';
import { type AssessmentOptions, assessUser, type UserAssessment } from '../core/assessment.ts';
import {
  blastRadiusExceeded,
  DEFAULT_BLAST_RADIUS,
  type EnforcementAction,
  enforcementTags,
  type LiveUserState,
  needsEnforcement,
  plannedActions,
  selectTargets,
} from '../core/enforcement.ts';
import { assessInventory } from '../core/mfa-report.ts';
import { REQUIRE_MFA_POLICY_NAME } from '../core/policies.ts';
import { requireMfaPolicyArn } from '../core/policy-integrity.ts';
import type { AccountInventory } from '../core/user-facts.ts';
import { exceedsTagQuota, type UserRecordStore, withStoredRecord } from '../core/user-record.ts';
import { createUserSelector, patternMatcher, unmatchedPatterns } from '../core/user-selection.ts';
import {
  awsClients,
  checkReachable,
  type GenerateMfaReportOptions,
  patterns,
  rangedOption,
  readScopedInventory,
  recordBucketOption,
  reportSettings,
} from './generate-mfa-report.ts';

export interface EnforceMfaComplianceOptions extends GenerateMfaReportOptions {
  /** Plan only, change nothing. @default true */
  readonly dryRun?: boolean | undefined;
  /** Also delete the login profile (console password) of each non-compliant user. @default false */
  readonly disableConsoleAccess?: boolean | undefined;
  /** Most users one run may act on, 1 to 5000. @default 10 */
  readonly maxUsers?: number | undefined;
  /** Most users one run may act on, as a percentage of all IAM users: above 0, at most 100. @default 50 */
  readonly maxPercent?: number | undefined;
  /** Go ahead even above maxUsers or maxPercent. @default false */
  readonly force?: boolean | undefined;
  /** Users never acted on, whatever their status and whatever includeUsers says: names or patterns (undefined for none). */
  readonly breakGlass?: string | readonly string[] | undefined;
  readonly onProgress?: ((event: EnforcementProgress) => void) | undefined;
  /** Act only on users warned (tag awssec:mfa-warned-at) at least a day before this time: the nightly run's rule. */
  readonly requireWarningAt?: Date | undefined;
  /** An inventory already read in this run (the nightly run's), instead of reading the account again. */
  readonly inventory?: AccountInventory | undefined;
  /**
   * An S3 bucket for the records of users who have IAM's 50 tags (and so no
   * room for the tool's): without it such users are not acted on.
   */
  readonly recordBucket?: string | undefined;
  /** Your own S3 client for the record bucket. */
  readonly s3Client?: S3Client | undefined;
  /** A record store already made (the nightly run's); takes the place of recordBucket. */
  readonly recordStore?: UserRecordStore | undefined;
}

export type EnforcementProgress =
  | InventoryProgress
  | { readonly phase: 'enforce'; readonly done: number; readonly total: number };

/** A run stopped before it changed anything: a guard said no (exit code 2). */
export class RefusedRunError extends Error {
  override readonly name = 'RefusedRunError';
}

export type UserOutcome =
  | 'planned'
  | 'enforced'
  | 'failed'
  /** IAM's 50 tags leave no room for the record, and no record store was given: nothing was done. */
  | 'cannot-record'
  | 'already-enforced'
  | 'changed-since-report'
  | 'deleted'
  | 'protected';

export type ActionResult = 'planned' | 'done' | 'failed' | 'not-run';

export interface EnforcementActionRecord {
  readonly action: EnforcementAction['kind'] | 'record-tags';
  readonly access_key_id: string | null;
  readonly result: ActionResult;
  readonly error: string | null;
}

export interface EnforcementUserRecord {
  readonly username: string;
  readonly arn: string;
  readonly outcome: UserOutcome;
  /** Why the user is a target (the report's reasons), or why nothing was done. */
  readonly justification: string;
  /** What was read live just before acting; null when the user was not read (protected, deleted). */
  readonly state: {
    readonly console_access: boolean;
    readonly active_access_keys: number;
    readonly mfa_devices: number;
    readonly require_mfa_attached: boolean;
  } | null;
  readonly actions: readonly EnforcementActionRecord[];
  /** Where the record of the actions went: `tags`, or the record store's location; null when nothing was recorded. */
  readonly recorded_in: string | null;
}

/** The run's result, as `--output json` prints it and enforceMfaCompliance returns it. */
export interface EnforcementRun {
  readonly generated_at: string;
  readonly account_id: string;
  readonly caller_arn: string;
  readonly dry_run: boolean;
  readonly policy: {
    readonly name: string;
    readonly arn: string;
    readonly state: 'present' | 'missing' | 'created';
  };
  readonly guard: {
    readonly targets: number;
    readonly users_in_account: number;
    readonly max_users: number;
    readonly max_percent: number;
    readonly force: boolean;
    /** Why --apply would be (or, with --force, was allowed to be) refused; null within the limits. */
    readonly exceeded: string | null;
  };
  readonly summary: {
    readonly users_assessed: number;
    readonly not_targeted: {
      readonly compliant: number;
      readonly exempted: number;
      readonly 'grace-period': number;
    };
    readonly by_outcome: Readonly<Record<UserOutcome, number>>;
    readonly actions: Readonly<
      Record<
        EnforcementAction['kind'],
        { readonly planned: number; readonly done: number; readonly failed: number }
      >
    >;
  };
  readonly users: readonly EnforcementUserRecord[];
  /** Users AWS refused to let the run read (AccessDenied): not assessed, so not acted on, and the run is incomplete. */
  readonly users_unreadable: readonly { readonly username: string; readonly reason: string }[];
  readonly settings: {
    readonly source: InventorySourceKind;
    readonly grace_period_days: number;
    readonly include_users: readonly string[];
    /** The include_users items that named no user of the account. */
    readonly include_users_unmatched: readonly string[];
    readonly exclude_users: readonly string[];
    readonly ignore_exemptions: boolean;
    readonly break_glass: readonly string[];
    readonly disable_console_access: boolean;
    /** Where records go for users at IAM's tag quota; null without a record store. */
    readonly record_store: string | null;
  };
}

/** Users acted on at once; each user's own actions run one after another. */
const DEFAULT_ENFORCE_CONCURRENCY = 16;

/**
 * Finds the non-compliant users, checks the run against its guards, re-reads
 * each target live, and — only with `dryRun: false` — disables its active
 * keys, attaches RequireMFA and, if asked, deletes its console password,
 * after recording all of it in tags on the user. Dry run by default.
 */
export async function enforceMfaCompliance(
  options: EnforceMfaComplianceOptions = {},
): Promise<EnforcementRun> {
  const settings = reportSettings(options);
  const limits = {
    maxUsers: rangedOption('maxUsers', options.maxUsers, DEFAULT_BLAST_RADIUS.maxUsers),
    maxPercent: rangedOption('maxPercent', options.maxPercent, DEFAULT_BLAST_RADIUS.maxPercent),
  };
  const breakGlassPatterns = patterns('breakGlass', options.breakGlass);
  const breakGlass = patternMatcher(breakGlassPatterns);
  const dryRun = options.dryRun ?? true;
  const force = options.force ?? false;
  const disableConsoleAccess = options.disableConsoleAccess ?? false;
  const now = options.now ?? new Date();
  const recordStore =
    options.recordStore ??
    (options.recordBucket === undefined
      ? undefined
      : s3RecordStore(options.s3Client ?? createS3Client(options), recordBucketOption(options.recordBucket)));

  await checkReachable(options);
  const clients = awsClients(options);
  const [caller, inventory] = await Promise.all([
    readCallerIdentity(clients.sts),
    options.inventory ?? readScopedInventory(options, settings, clients),
  ]);
  const rules = { now, gracePeriodDays: settings.gracePeriodDays, exemptionTag: options.exemptionTag };
  const assessments = assessInventory(inventory, { ...rules, selection: settings.selection });
  // The live re-check applies the very same rules to what it reads.
  const assessmentOptions: AssessmentOptions = { ...rules, selector: createUserSelector(settings.selection) };
  const { targets, protectedUsers } = selectTargets(assessments, {
    callerUserName: caller.userName,
    breakGlass,
    requireWarningAt: options.requireWarningAt,
  });
  const policyArn = requireMfaPolicyArn(caller);
  // A RequireMFA that is not the canonical document stops the run before anything changes
  // (UntrustedPolicyError): attaching it to every target could grant instead of deny.
  const policyState = await readTrustedRequireMfaPolicy(clients.iam, policyArn);
  let policyCreated: Promise<void> | undefined;
  const ensurePolicy = () => {
    if (policyState === 'present') return Promise.resolve();
    policyCreated ??= createRequireMfaPolicy(clients.iam, policyArn);
    return policyCreated;
  };

  // The guard counts the targets the report says still need something: a user that earlier
  // enforcement finished counts for nothing, so it cannot hold up tonight's run.
  const counted = targets.filter((t) =>
    needsEnforcement(t.user, { disableConsoleAccess, requireMfaPolicyArn: policyArn }),
  ).length;
  const usersInAccount = inventory.source.usersInAccount;
  const exceeded = blastRadiusExceeded(counted, usersInAccount, limits);
  if (exceeded !== undefined && !dryRun && !force) {
    throw new RefusedRunError(
      `refused: ${exceeded}; nothing was changed. Review the plan (the same command without --apply), then raise the limit or add --force`,
    );
  }

  /** Each target in turn: re-read live just before acting, planned from what was read, then acted on. */
  const enforceOne = async (assessment: UserAssessment): Promise<EnforcementUserRecord> => {
    const base = { username: assessment.user.userName, arn: assessment.user.arn };
    const settled = (outcome: UserOutcome, justification: string, state?: LiveUserState) => ({
      ...base,
      outcome,
      justification,
      state: state === undefined ? null : stateSummary(state),
      actions: [],
      recorded_in: null,
    });
    let state: LiveUserState | undefined;
    try {
      state = await readLiveUserState(clients.iam, base.username, policyArn);
    } catch (error) {
      // One user's failure is reported; the run goes on to the others.
      return settled('failed', `could not re-check the user live: ${failureText(error)}`);
    }
    if (state === undefined) return settled('deleted', 'the user no longer exists');
    const live = assessUser(state.facts, assessmentOptions);
    if (live.status !== 'non-compliant') {
      return settled('changed-since-report', `now ${live.status}: ${live.reasons.join('; ')}`, state);
    }
    const justification = `${live.reasons.join('; ')}; ${live.daysSinceCreation} days old, past the ${settings.gracePeriodDays}-day grace period`;
    const actions = plannedActions(state, { disableConsoleAccess });
    if (actions.length === 0) return settled('already-enforced', justification, state);
    const planned = { ...base, justification, state: stateSummary(state) };
    const target = {
      accountId: caller.accountId,
      userName: state.facts.userName,
      userId: state.facts.userId,
      tags: state.facts.tags,
    };
    if (
      recordStore === undefined &&
      exceedsTagQuota(state.facts.tags, enforcementTags(state.facts.tags, actions, now))
    ) {
      // No record, no change: say so in the plan as in the run.
      return cannotRecord(planned, actions, new TagQuotaError(tagQuotaMessage(state.facts.userName)));
    }
    if (dryRun) {
      return {
        ...planned,
        outcome: 'planned',
        actions: actions.map((action) => record(action, 'planned')),
        recorded_in: null,
      };
    }
    const applied = await applyActions(clients.iam, recordStore, target, actions, {
      now,
      policyArn,
      ensurePolicy,
    });
    if (applied.cannotRecord !== undefined) return cannotRecord(planned, actions, applied.cannotRecord);
    return {
      ...planned,
      outcome: applied.records.some((r) => r.result === 'failed') ? 'failed' : 'enforced',
      actions: applied.records,
      recorded_in: applied.recordedIn ?? null,
    };
  };

  const limit = pLimit(options.concurrency ?? DEFAULT_ENFORCE_CONCURRENCY);
  const progress = progressReporter(targets.length, options.onProgress);
  const targetRecords = await Promise.all(
    targets.map((assessment) => limit(() => enforceOne(assessment).finally(progress))),
  );
  const protectedRecords: EnforcementUserRecord[] = protectedUsers.map(({ assessment, reason }) => ({
    username: assessment.user.userName,
    arn: assessment.user.arn,
    outcome: 'protected',
    justification: {
      caller: 'the identity running this tool is never acted on',
      'break-glass': `break-glass user (${breakGlass(assessment.user.userName) ?? ''}): never acted on`,
      'not-warned': 'no warning between 24 hours and 30 days old: the nightly run acts a day after a warning',
    }[reason],
    state: null,
    actions: [],
    recorded_in: null,
  }));
  const users = [...targetRecords, ...protectedRecords];

  return {
    generated_at: now.toISOString(),
    account_id: caller.accountId,
    caller_arn: caller.arn,
    dry_run: dryRun,
    policy: {
      name: REQUIRE_MFA_POLICY_NAME,
      arn: policyArn,
      state: policyState === 'present' ? 'present' : policyCreated === undefined ? 'missing' : 'created',
    },
    guard: {
      targets: counted,
      users_in_account: usersInAccount,
      max_users: limits.maxUsers,
      max_percent: limits.maxPercent,
      force,
      exceeded: exceeded ?? null,
    },
    summary: summarize(assessments, users),
    users,
    users_unreadable: inventory.source.usersUnreadable.map((u) => ({
      username: u.userName,
      reason: u.reason,
    })),
    settings: {
      source: settings.source,
      grace_period_days: settings.gracePeriodDays,
      include_users: settings.selection.include,
      include_users_unmatched: unmatchedPatterns(
        settings.selection.include,
        assessments.map((a) => a.user.userName),
      ),
      exclude_users: settings.selection.exclude,
      ignore_exemptions: settings.selection.ignoreExemptions === true,
      break_glass: breakGlassPatterns,
      disable_console_access: disableConsoleAccess,
      record_store: recordStore?.where(caller.accountId) ?? null,
    },
  };
}

/**
 * Records the actions first (no record, no change): in tags, or for a user
 * at IAM's tag quota in the record store, merged with what it holds for the
 * user. Then carries them out one by one; a failed action does not stop the
 * next one.
 */
async function applyActions(
  iam: IAMClient,
  store: UserRecordStore | undefined,
  target: RecordTarget,
  actions: readonly EnforcementAction[],
  context: { now: Date; policyArn: string; ensurePolicy: () => Promise<void> },
): Promise<{ records: EnforcementActionRecord[]; recordedIn?: RecordedIn; cannotRecord?: TagQuotaError }> {
  let recordedIn: RecordedIn;
  try {
    let existing = target.tags;
    if (store !== undefined && exceedsTagQuota(existing, enforcementTags(existing, actions, context.now))) {
      // Earlier records of this user are in the store: merge with them (the keys it disabled before).
      existing = withStoredRecord(
        existing,
        await store.read(target.accountId, target.userName),
        target.userId,
      );
    }
    recordedIn = await recordOnUser(
      iam,
      store,
      target,
      enforcementTags(existing, actions, context.now),
      context.now,
    );
  } catch (error) {
    if (error instanceof TagQuotaError) return { records: [], cannotRecord: error };
    return {
      records: [
        { action: 'record-tags', access_key_id: null, result: 'failed', error: failureText(error) },
        ...actions.map((action) => record(action, 'not-run')),
      ],
    };
  }
  const records: EnforcementActionRecord[] = [];
  for (const action of actions) {
    try {
      if (action.kind === 'attach-require-mfa') await context.ensurePolicy();
      await performAction(iam, target.userName, action, context.policyArn);
      records.push(record(action, 'done'));
    } catch (error) {
      records.push(record(action, 'failed', failureText(error)));
    }
  }
  return { records, recordedIn };
}

/** A user whose record has nowhere to go: nothing done, and the way out named. */
function cannotRecord(
  planned: Omit<EnforcementUserRecord, 'outcome' | 'actions' | 'recorded_in'>,
  actions: readonly EnforcementAction[],
  error: TagQuotaError,
): EnforcementUserRecord {
  return {
    ...planned,
    outcome: 'cannot-record',
    justification: `${error.message}: not acted on; give a record bucket (--record-bucket) to keep the record in S3, or remove a tag from the user`,
    actions: actions.map((action) => record(action, 'not-run', error.message)),
    recorded_in: null,
  };
}

/** Counts steps done out of `total` for the progress indicator. */
function progressReporter(total: number, onProgress: EnforceMfaComplianceOptions['onProgress']): () => void {
  let done = 0;
  if (total > 0) onProgress?.({ phase: 'enforce', done, total });
  return () => {
    done += 1;
    onProgress?.({ phase: 'enforce', done: Math.min(done, total), total });
  };
}

function record(action: EnforcementAction, result: ActionResult, error?: string): EnforcementActionRecord {
  return {
    action: action.kind,
    access_key_id: action.kind === 'disable-access-key' ? action.accessKeyId : null,
    result,
    error: error ?? null,
  };
}

function failureText(error: unknown): string {
  return isNoSuchEntity(error) ? 'the user (or the key) was deleted during the run' : errorText(error);
}

function stateSummary(state: LiveUserState): NonNullable<EnforcementUserRecord['state']> {
  return {
    console_access: state.facts.consolePassword,
    active_access_keys: state.facts.accessKeys.filter((key) => key.active).length,
    mfa_devices: state.facts.mfaDevices.length,
    require_mfa_attached: state.requireMfaAttached,
  };
}

const OUTCOMES: readonly UserOutcome[] = [
  'planned',
  'enforced',
  'failed',
  'cannot-record',
  'already-enforced',
  'changed-since-report',
  'deleted',
  'protected',
];
const ACTION_KINDS: readonly EnforcementAction['kind'][] = [
  'disable-access-key',
  'attach-require-mfa',
  'delete-login-profile',
];

function summarize(
  assessments: readonly UserAssessment[],
  users: readonly EnforcementUserRecord[],
): EnforcementRun['summary'] {
  const count = (status: UserAssessment['status']) => assessments.filter((a) => a.status === status).length;
  const actions = users.flatMap((user) => user.actions);
  return {
    users_assessed: assessments.length,
    not_targeted: {
      compliant: count('compliant'),
      exempted: count('exempted'),
      'grace-period': count('grace-period'),
    },
    by_outcome: Object.fromEntries(
      OUTCOMES.map((outcome) => [outcome, users.filter((user) => user.outcome === outcome).length]),
    ) as Record<UserOutcome, number>,
    actions: Object.fromEntries(
      ACTION_KINDS.map((kind) => {
        const of = actions.filter((a) => a.action === kind);
        return [
          kind,
          {
            planned: of.filter((a) => a.result === 'planned').length,
            done: of.filter((a) => a.result === 'done').length,
            failed: of.filter((a) => a.result === 'failed' || a.result === 'not-run').length,
          },
        ];
      }),
    ) as EnforcementRun['summary']['actions'],
  };
}
