import { enforceOrgMfaCompliance } from '../lambdas/use-cases/enforce-org-mfa-compliance.ts';
import type { EnforceFlags } from './enforce-command.ts';
import { organizationFromFlags } from './org-report-command.ts';
import { enforcementToCsv, renderOrgEnforcementTable } from './render-enforcement.ts';
import type { CommandContext, FlagSelection } from './report-command.ts';
import { formatResult } from './report-output.ts';
import { styleFor } from './terminal.ts';

/**
 * `enforce --org`: every account planned, the guards held over each account
 * and over the organization, then — with --apply — each account acted on.
 * Exit 1 when an account could not be planned or an action failed.
 */
export async function runOrgEnforce(
  flags: EnforceFlags,
  mode: { dryRun: boolean; selection: FlagSelection; breakGlass: string[] | undefined },
  context: CommandContext,
): Promise<number> {
  const { io } = context;
  const organization = await organizationFromFlags({
    roleName: flags.enforceRoleName,
    accounts: flags.accounts,
    accountConcurrency: flags.accountConcurrency,
    roleFlag: '--enforce-role-name',
  });
  const run = await enforceOrgMfaCompliance({
    ...context.aws,
    dryRun: mode.dryRun,
    source: flags.source,
    credentialReportTimeoutMs: flags.reportTimeout * 1000,
    gracePeriodDays: flags.gracePeriodDays,
    ...mode.selection,
    breakGlass: mode.breakGlass,
    recordBucket: flags.recordBucket,
    disableConsoleAccess: flags.disableConsoleAccess,
    maxUsers: flags.maxUsers,
    maxPercent: flags.maxPercent,
    force: flags.force,
    now: context.now?.(),
    organization,
  });
  io.stdout.write(
    formatResult(run, flags.output, styleFor(io.stdout, io.env), {
      csv: enforcementToCsv,
      table: renderOrgEnforcementTable,
    }),
  );
  const name = context.programName ?? 'awssec';
  for (const account of run.accounts.filter((a) => a.status === 'not-assessed')) {
    io.stderr.write(`${name}: account ${account.account_id} was not planned: ${account.reason ?? ''}\n`);
  }
  const incomplete = run.accounts.some(
    (a) =>
      a.run === null ||
      a.run.users.some((user) => user.outcome === 'failed' || user.outcome === 'cannot-record') ||
      a.run.users_unreadable.length > 0,
  );
  return incomplete ? 1 : 0;
}
