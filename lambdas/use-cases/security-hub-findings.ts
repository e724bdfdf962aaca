import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type ImportOutcome, importFindings, readOwnFindings } from '../aws/security-hub.ts';
import type { MfaReport } from '../core/mfa-report.ts';
import {
  defaultProductArn,
  type SecurityHubContext,
  type SecurityHubPlan,
  securityHubPlan,
} from '../core/security-hub-findings.ts';
import type { GroupFacts } from '../core/user-facts.ts';

export interface SecurityHubTarget {
  readonly client: SecurityHubClient;
  readonly now: Date;
  /** The account's groups, as the inventory read them. */
  readonly groups: readonly GroupFacts[];
}

/**
 * What a run would import: the report's findings, set against the tool's own
 * active findings read back from Security Hub (a read; nothing is written).
 */
export async function planSecurityHubFindings(
  report: MfaReport,
  target: SecurityHubTarget,
): Promise<SecurityHubPlan> {
  const context: SecurityHubContext = {
    region: await target.client.config.region(),
    partition: partitionOf(report),
    now: target.now,
    groups: target.groups.map((group) => ({ name: group.groupName, arn: group.arn })),
  };
  const productArn = defaultProductArn(context.partition, context.region, report.account_id);
  const existing = await readOwnFindings(target.client, productArn, report.account_id);
  return securityHubPlan(report, context, existing);
}

export interface SecurityHubRun {
  readonly plan: SecurityHubPlan;
  readonly outcome: ImportOutcome;
  /** The region whose Security Hub received them. */
  readonly region: string;
}

/** Plans, then imports: the findings the plan holds, in batches of 100. */
export async function publishSecurityHubFindings(
  report: MfaReport,
  target: SecurityHubTarget,
): Promise<SecurityHubRun> {
  const plan = await planSecurityHubFindings(report, target);
  const outcome = await importFindings(target.client, plan.findings);
  return { plan, outcome, region: await target.client.config.region() };
}

/** The partition the run is in: RequireMFA's ARN is built in the caller's partition. */
function partitionOf(report: MfaReport): string {
  return /^arn:([^:]+):/.exec(report.account.require_mfa_policy.arn)?.[1] ?? 'aws';
}
