import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorText } from '../aws/aws-call-error.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import { performAction, readLiveUserState } from '../aws/iam-enforcer.ts';
import { createS3Client, s3RecordStore } from '../aws/record-store.ts';
import { ACCESS_KEY_ID, type RestoreAction, restorePlan } from '../core/enforcement.ts';
import { requireMfaPolicyArn } from '../core/policy-integrity.ts';
import { tagValue } from '../core/tags.ts';
import {
  atTagQuota,
  type StoredUserRecord,
  type UserRecordStore,
  withStoredRecord,
} from '../core/user-record.ts';
import { isUserName } from '../core/user-selection.ts';
import type { AwsSettingsAndClients } from './generate-mfa-report.ts';
import { awsClients, checkReachable, InvalidOptionError, recordBucketOption } from './generate-mfa-report.ts';

export interface RestoreUserOptions extends AwsSettingsAndClients {
  readonly userName: string;
  /** The S3 bucket enforce kept records in for users with IAM's 50 tags. */
  readonly recordBucket?: string | undefined;
  /** Your own S3 client for the record bucket. */
  readonly s3Client?: S3Client | undefined;
  /** Restore only these of the keys enforcement disabled; RequireMFA stays attached. @default every key */
  readonly keys?: readonly string[] | undefined;
  /** Plan only, change nothing. @default true */
  readonly dryRun?: boolean | undefined;
  readonly now?: Date | undefined;
}

/** The user named does not exist: nothing to restore (exit code 2). */
export class UnknownUserError extends Error {
  override readonly name = 'UnknownUserError';
}

export interface RestoreRun {
  readonly generated_at: string;
  readonly account_id: string;
  readonly dry_run: boolean;
  readonly username: string;
  readonly outcome: 'planned' | 'restored' | 'failed' | 'nothing-to-restore';
  /** Every key enforcement recorded as disabled: what restore does with it, and why. */
  readonly keys: readonly {
    readonly access_key_id: string;
    readonly disabled_at: string | null;
    readonly state: 'inactive' | 'active' | 'deleted';
    readonly verdict: 're-enable' | 'skip';
    readonly why: string;
  }[];
  readonly actions: readonly {
    readonly action: RestoreAction['kind'];
    readonly detail: string;
    readonly result: 'planned' | 'done' | 'failed' | 'not-run';
    readonly error: string | null;
  }[];
  /** What enforcement did that cannot be undone, and what to do instead. */
  readonly cannot_restore: readonly string[];
  readonly notes: readonly string[];
}

/**
 * Undoes what enforcement recorded on one user: re-enables the keys it
 * disabled that are still as it left them, detaches RequireMFA if it
 * attached it, removes its tags; with `keys`, only those keys. Dry run by
 * default. The record goes last, so a failed step can be run again.
 */
export async function restoreUser(options: RestoreUserOptions): Promise<RestoreRun> {
  const userName = validUserName(options.userName);
  const onlyKeys = validKeys(options.keys);
  const dryRun = options.dryRun ?? true;
  await checkReachable(options);
  const clients = awsClients(options);
  const caller = await readCallerIdentity(clients.sts);
  const policyArn = requireMfaPolicyArn(caller);
  const store =
    options.recordBucket === undefined
      ? undefined
      : s3RecordStore(options.s3Client ?? createS3Client(options), recordBucketOption(options.recordBucket));
  const live = await readLiveUserState(clients.iam, userName, policyArn);
  if (live === undefined) {
    throw new UnknownUserError(
      `no IAM user named ${userName} in account ${caller.accountId}; check the name (awssec iam-mfa report lists them)`,
    );
  }
  // A user at IAM's tag quota has (part of) the record in the record store: one view of both.
  const stored = await store?.read(caller.accountId, live.facts.userName);
  const state = {
    ...live,
    facts: { ...live.facts, tags: withStoredRecord(live.facts.tags, stored, live.facts.userId) },
  };
  const plan = restorePlan(state, { onlyKeys });
  const notes = [
    ...(plan.stillExposed
      ? [
          `${state.facts.userName} still has no MFA device: the next enforce acts on them again unless they register one or you exempt them (tag awssec:mfa-exempt).`,
        ]
      : []),
    ...(!plan.enforced && store === undefined && atTagQuota(live.facts.tags)
      ? [
          `${state.facts.userName} has IAM's 50 tags, so enforce may have kept its record in a record bucket: give it with --record-bucket.`,
        ]
      : []),
  ];
  const recordWriter = {
    store,
    stored,
    userTags: live.facts.tags,
    accountId: caller.accountId,
    policyArn,
    now: options.now ?? new Date(),
  };
  const base = {
    generated_at: (options.now ?? new Date()).toISOString(),
    account_id: caller.accountId,
    dry_run: dryRun,
    username: state.facts.userName,
    keys: plan.keys.map((key) => ({
      access_key_id: key.accessKeyId,
      disabled_at: key.disabledAt?.toISOString() ?? null,
      state: key.state,
      verdict: key.verdict,
      why: key.why,
    })),
    cannot_restore: plan.cannotRestore,
    notes,
  };
  if (!plan.enforced) return { ...base, outcome: 'nothing-to-restore', actions: [] };
  const detail = (action: RestoreAction) => {
    switch (action.kind) {
      case 'enable-access-key':
        return action.accessKeyId;
      case 'remove-enforcement-tags':
        return action.tagKeys.join(' ');
      case 'update-enforcement-record':
        return Object.entries(action.tags)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
      case 'detach-require-mfa':
        return policyArn;
    }
  };
  if (dryRun) {
    return {
      ...base,
      outcome: 'planned',
      actions: plan.actions.map((action) => ({
        action: action.kind,
        detail: detail(action),
        result: 'planned',
        error: null,
      })),
    };
  }
  const actions: RestoreRun['actions'][number][] = [];
  let failed = false;
  for (const action of plan.actions) {
    // The tags are the record of what is left to undo: keep them if anything failed.
    const recordChange =
      action.kind === 'remove-enforcement-tags' || action.kind === 'update-enforcement-record';
    if (failed && recordChange) {
      actions.push({
        action: action.kind,
        detail: detail(action),
        result: 'not-run',
        error: 'kept: a step above failed',
      });
      continue;
    }
    try {
      if (recordChange) await changeRecord(clients.iam, state.facts.userName, action, recordWriter);
      else await performAction(clients.iam, state.facts.userName, action, policyArn);
      actions.push({ action: action.kind, detail: detail(action), result: 'done', error: null });
    } catch (error) {
      failed = true;
      actions.push({
        action: action.kind,
        detail: detail(action),
        result: 'failed',
        error: errorText(error),
      });
    }
  }
  return { ...base, outcome: failed ? 'failed' : 'restored', actions };
}

/**
 * Removes or rewrites the record where it is: the part on the user's tags
 * with UntagUser or TagUser, the part in the record store there.
 */
async function changeRecord(
  iam: IAMClient,
  userName: string,
  action: Extract<RestoreAction, { kind: 'remove-enforcement-tags' | 'update-enforcement-record' }>,
  where: {
    store: UserRecordStore | undefined;
    stored: StoredUserRecord | undefined;
    userTags: Readonly<Record<string, string>>;
    accountId: string;
    policyArn: string;
    now: Date;
  },
): Promise<void> {
  const onUser = (key: string) => tagValue(where.userTags, key) !== undefined;
  const { store, stored } = where;
  if (action.kind === 'remove-enforcement-tags') {
    const tagKeys = action.tagKeys.filter(onUser);
    if (tagKeys.length > 0)
      await performAction(iam, userName, { kind: action.kind, tagKeys }, where.policyArn);
    if (store === undefined || stored === undefined) return;
    const removed = new Set(action.tagKeys.map((key) => key.toLowerCase()));
    const left = Object.fromEntries(
      Object.entries(stored.tags).filter(([key]) => !removed.has(key.toLowerCase())),
    );
    if (Object.keys(left).length === 0) await store.remove(where.accountId, userName);
    else await store.write({ ...stored, tags: left, updated_at: where.now.toISOString() });
    return;
  }
  if (store !== undefined && stored !== undefined && !Object.keys(action.tags).some(onUser)) {
    await store.write({
      ...stored,
      tags: { ...stored.tags, ...action.tags },
      updated_at: where.now.toISOString(),
    });
  } else {
    await performAction(iam, userName, action, where.policyArn);
  }
}

function validUserName(userName: string): string {
  const name = userName.trim();
  if (name.includes('*') || name.includes('?')) {
    throw new InvalidOptionError(`user: give one user name, not a pattern (got '${userName}')`);
  }
  if (!isUserName(name)) {
    throw new InvalidOptionError(
      `user: '${userName}' is not an IAM user name (letters, digits and + = , . @ _ -, at most 64)`,
    );
  }
  return name;
}

function validKeys(keys: readonly string[] | undefined): string[] | undefined {
  if (keys === undefined) return undefined;
  if (keys.length === 0) {
    throw new InvalidOptionError(
      'keys: give at least one access key id, or leave keys out to restore every key',
    );
  }
  return keys.map((key) => {
    if (!ACCESS_KEY_ID.test(key)) {
      throw new InvalidOptionError(
        `key: '${key}' is not an access key id (upper-case letters and digits, like AKIAIOSFODNN7EXAMPLE)`,
      );
    }
    return key;
  });
}
