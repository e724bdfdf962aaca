import { errorText } from '../aws/aws-call-error.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import { performAction, readLiveUserState } from '../aws/iam-enforcer.ts';
import { type RestoreAction, restorePlan } from '../core/enforcement.ts';
import { requireMfaPolicyArn } from '../core/policy-integrity.ts';
import { isUserName } from '../core/user-selection.ts';
import type { AwsSettingsAndClients } from './generate-mfa-report.ts';
import { awsClients, InvalidOptionError } from './generate-mfa-report.ts';

export interface RestoreUserOptions extends AwsSettingsAndClients {
  readonly userName: string;
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
 * disabled, detaches RequireMFA if it attached it, removes its tags. Dry
 * run by default. The tags go last, so a failed step can be run again.
 */
export async function restoreUser(options: RestoreUserOptions): Promise<RestoreRun> {
  const userName = validUserName(options.userName);
  const dryRun = options.dryRun ?? true;
  const clients = awsClients(options);
  const caller = await readCallerIdentity(clients.sts);
  const policyArn = requireMfaPolicyArn(caller);
  const state = await readLiveUserState(clients.iam, userName, policyArn);
  if (state === undefined) {
    throw new UnknownUserError(
      `no IAM user named ${userName} in account ${caller.accountId}; check the name (awssec iam-mfa report lists them)`,
    );
  }
  const plan = restorePlan(state);
  const notes =
    state.facts.mfaDevices.length === 0
      ? [
          `${userName} still has no MFA device: the next enforce acts on them again unless they register one or you exempt them (tag awssec:mfa-exempt).`,
        ]
      : [];
  const base = {
    generated_at: (options.now ?? new Date()).toISOString(),
    account_id: caller.accountId,
    dry_run: dryRun,
    username: state.facts.userName,
    cannot_restore: plan.cannotRestore,
    notes,
  };
  if (!plan.enforced) return { ...base, outcome: 'nothing-to-restore', actions: [] };
  const detail = (action: RestoreAction) =>
    action.kind === 'enable-access-key'
      ? action.accessKeyId
      : action.kind === 'remove-enforcement-tags'
        ? action.tagKeys.join(' ')
        : policyArn;
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
    if (failed && action.kind === 'remove-enforcement-tags') {
      actions.push({
        action: action.kind,
        detail: detail(action),
        result: 'not-run',
        error: 'kept: a step above failed',
      });
      continue;
    }
    try {
      await performAction(clients.iam, state.facts.userName, action, policyArn);
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
