import type { AwsClientSettings } from '../lambdas/aws/aws-clients.ts';
import { createSecurityHubClient, type ImportOutcome, importFindings } from '../lambdas/aws/security-hub.ts';
import type { MfaReport } from '../lambdas/core/mfa-report.ts';
import { type AsffFinding, securityHubSummary } from '../lambdas/core/security-hub-findings.ts';
import type { GroupFacts } from '../lambdas/core/user-facts.ts';
import { planSecurityHubFindings } from '../lambdas/use-cases/security-hub-findings.ts';

/** The report's Security Hub findings, planned, and the import of them. Loaded only when asked for. */
export interface SecurityHubStep {
  readonly findings: readonly AsffFinding[];
  /** Imports the findings: the summary line, and what Security Hub refused. */
  importAll(): Promise<{ summary: string; failed: ImportOutcome['failed'] }>;
}

/**
 * Reads the tool's findings back and plans the import: a read, first, so a
 * Security Hub that is not enabled fails the run before anything is printed.
 */
export async function planSecurityHubStep(
  report: MfaReport,
  groups: readonly GroupFacts[],
  aws: AwsClientSettings | undefined,
  now: Date,
): Promise<SecurityHubStep> {
  const client = createSecurityHubClient(aws);
  const plan = await planSecurityHubFindings(report, { client, now, groups });
  return {
    findings: plan.findings,
    importAll: async () => {
      const outcome = await importFindings(client, plan.findings);
      return {
        summary: securityHubSummary(plan, outcome.imported, await client.config.region()),
        failed: outcome.failed,
      };
    },
  };
}
