import { errorText } from '../aws/aws-call-error.ts';
import { readCallerIdentity } from '../aws/caller-identity.ts';
import {
  createCanonicalDefaultVersion,
  createRequireMfaPolicy,
  deletePolicyVersion,
  listPolicyVersions,
  type PolicyVersionFacts,
  readRequireMfaPolicy,
} from '../aws/require-mfa-policy.ts';
import { requireMfaPolicyArn } from '../core/policy-integrity.ts';
import type { RequireMfaPolicyStatus } from '../core/user-facts.ts';
import { type AwsSettingsAndClients, awsClients, checkReachable } from './generate-mfa-report.ts';

export interface RepairRequireMfaPolicyOptions extends AwsSettingsAndClients {
  /** Plan only, change nothing. @default true */
  readonly dryRun?: boolean | undefined;
  readonly now?: Date | undefined;
}

/** IAM keeps at most five versions of a managed policy. */
const MAX_POLICY_VERSIONS = 5;

export type RepairAction = 'create-policy' | 'delete-policy-version' | 'create-default-version';

export interface PolicyRepairRun {
  readonly generated_at: string;
  readonly account_id: string;
  readonly dry_run: boolean;
  readonly policy_arn: string;
  /** What was found before any change. */
  readonly found: {
    readonly status: Exclude<RequireMfaPolicyStatus, 'unreadable'>;
    readonly default_version: string | null;
    readonly versions: readonly string[];
    /** The default version's document as found, for the operator to inspect; null when missing. */
    readonly document: unknown;
  };
  readonly outcome: 'nothing-to-repair' | 'planned' | 'repaired' | 'failed';
  readonly actions: readonly {
    readonly action: RepairAction;
    readonly detail: string;
    readonly result: 'planned' | 'done' | 'failed' | 'not-run';
    readonly error: string | null;
  }[];
  readonly notes: readonly string[];
}

/**
 * Makes RequireMFA the canonical document again: creates it when missing;
 * otherwise adds the canonical document as a new default version (first
 * deleting the oldest non-default version when IAM's five are taken). The
 * version it replaces stays, not default, for whoever investigates. Dry run
 * by default. The only writer of policy versions in this tool: the
 * functions' roles may not call it.
 */
export async function repairRequireMfaPolicy(
  options: RepairRequireMfaPolicyOptions = {},
): Promise<PolicyRepairRun> {
  const dryRun = options.dryRun ?? true;
  await checkReachable(options);
  const clients = awsClients(options);
  const caller = await readCallerIdentity(clients.sts);
  const policyArn = requireMfaPolicyArn(caller);
  const policy = await readRequireMfaPolicy(clients.iam, policyArn);
  const versions = policy.state === 'missing' ? [] : await listPolicyVersions(clients.iam, policyArn);
  const base = {
    generated_at: (options.now ?? new Date()).toISOString(),
    account_id: caller.accountId,
    dry_run: dryRun,
    policy_arn: policyArn,
    found: {
      status: policy.state === 'missing' ? 'missing' : policy.verdict,
      default_version: policy.state === 'missing' ? null : policy.defaultVersionId,
      versions: versions.map((version) => version.versionId),
      document: policy.state === 'missing' ? null : policy.document,
    },
  } as const;
  if (policy.state === 'present' && policy.verdict === 'canonical') {
    return { ...base, outcome: 'nothing-to-repair', actions: [], notes: [] };
  }

  const steps: { action: RepairAction; detail: string; run: () => Promise<unknown> }[] = [];
  if (policy.state === 'missing') {
    steps.push({
      action: 'create-policy',
      detail: 'RequireMFA with the canonical document',
      run: () => createRequireMfaPolicy(clients.iam, policyArn),
    });
  } else {
    const oldest = versions.length >= MAX_POLICY_VERSIONS ? oldestNonDefault(versions) : undefined;
    if (oldest !== undefined) {
      steps.push({
        action: 'delete-policy-version',
        detail: `${oldest.versionId}, the oldest non-default version (IAM keeps five)`,
        run: () => deletePolicyVersion(clients.iam, policyArn, oldest.versionId),
      });
    }
    steps.push({
      action: 'create-default-version',
      detail: `the canonical document, as the default in place of ${policy.defaultVersionId}`,
      run: () => createCanonicalDefaultVersion(clients.iam, policyArn),
    });
  }
  const notes =
    policy.state === 'missing'
      ? []
      : [
          `Version ${policy.defaultVersionId} stays, no longer the default, for whoever looks into how it changed (CloudTrail: CreatePolicyVersion, SetDefaultPolicyVersion).`,
          'Every user RequireMFA is attached to gets the canonical document at once; nothing else changes.',
        ];
  if (dryRun) {
    return {
      ...base,
      outcome: 'planned',
      actions: steps.map(({ action, detail }) => ({ action, detail, result: 'planned', error: null })),
      notes,
    };
  }

  const actions: PolicyRepairRun['actions'][number][] = [];
  let failed = false;
  for (const { action, detail, run } of steps) {
    if (failed) {
      actions.push({ action, detail, result: 'not-run', error: 'a step above failed' });
      continue;
    }
    try {
      await run();
      actions.push({ action, detail, result: 'done', error: null });
    } catch (error) {
      failed = true;
      actions.push({ action, detail, result: 'failed', error: errorText(error) });
    }
  }
  if (!failed) {
    // Read back what IAM now holds: a repair that did not take is a failure, not a success.
    const after = await readRequireMfaPolicy(clients.iam, policyArn);
    if (after.state !== 'present' || after.verdict !== 'canonical') {
      failed = true;
      notes.push(
        `Read back after the repair, ${policyArn} is still not the canonical document: someone may be changing it right now.`,
      );
    }
  }
  return { ...base, outcome: failed ? 'failed' : 'repaired', actions, notes };
}

function oldestNonDefault(versions: readonly PolicyVersionFacts[]): PolicyVersionFacts | undefined {
  return versions
    .filter((version) => !version.isDefault)
    .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))[0];
}
