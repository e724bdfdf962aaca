import type { EnforcementRun } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import { enforceMfaCompliance } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { RestoreRun } from '../lambdas/use-cases/restore-user.ts';
import { restoreUser } from '../lambdas/use-cases/restore-user.ts';
import type { ReportFormat } from './choices.ts';
import { startProgress } from './progress.ts';
import {
  enforcementToCsv,
  renderEnforcementTable,
  renderRestoreTable,
  restoreToCsv,
} from './render-enforcement.ts';
import {
  type AssessmentFlags,
  type CommandContext,
  flagPatterns,
  selectionFromFlags,
  warnUnmatchedIncludes,
} from './report-command.ts';
import { formatResult } from './report-output.ts';
import { styleFor } from './terminal.ts';
import { UsageError } from './usage-error.ts';

/** What the user asked for: --dry-run, --apply, or neither (a dry run). Both at once is a usage error. */
interface ModeFlags {
  readonly apply?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
}

export interface EnforceFlags extends AssessmentFlags, ModeFlags {
  readonly output: ReportFormat;
  readonly disableConsoleAccess?: boolean | undefined;
  readonly maxUsers?: number | undefined;
  readonly maxPercent?: number | undefined;
  readonly force?: boolean | undefined;
  readonly breakGlass?: string | undefined;
  readonly recordBucket?: string | undefined;
  readonly org?: boolean | undefined;
  readonly enforceRoleName?: string | undefined;
  readonly accounts?: string | undefined;
  readonly accountConcurrency?: number | undefined;
}

export interface RestoreFlags extends ModeFlags {
  readonly user: string;
  readonly key?: readonly string[] | undefined;
  readonly recordBucket?: string | undefined;
  readonly output: ReportFormat;
}

function dryRunFrom(flags: ModeFlags): boolean {
  if (flags.apply === true && flags.dryRun === true) {
    throw new UsageError('--dry-run and --apply contradict each other: give one (a dry run is the default)');
  }
  return flags.apply !== true;
}

export async function runEnforceCommand(flags: EnforceFlags, context: CommandContext): Promise<number> {
  const { io } = context;
  const dryRun = dryRunFrom(flags);
  const selection = await selectionFromFlags(flags);
  const breakGlass = flagPatterns('--break-glass', flags.breakGlass);
  if (flags.org === true) {
    const { runOrgEnforce } = await import('./org-enforce-command.ts');
    return runOrgEnforce(flags, { dryRun, selection, breakGlass }, context);
  }
  const orgOnly = [
    flags.enforceRoleName === undefined ? undefined : '--enforce-role-name',
    flags.accounts === undefined ? undefined : '--accounts',
    flags.accountConcurrency === undefined ? undefined : '--account-concurrency',
  ].find((flag) => flag !== undefined);
  if (orgOnly !== undefined) {
    throw new UsageError(`${orgOnly} goes with --org: awssec iam-mfa enforce --org ${orgOnly} …`);
  }
  const progress = startProgress(io.stderr, flags.progress !== false, io.progressDelayMs);
  let run: EnforcementRun;
  try {
    run = await enforceMfaCompliance({
      ...context.aws,
      dryRun,
      source: flags.source,
      credentialReportTimeoutMs: flags.reportTimeout * 1000,
      gracePeriodDays: flags.gracePeriodDays,
      ...selection,
      breakGlass,
      recordBucket: flags.recordBucket,
      disableConsoleAccess: flags.disableConsoleAccess,
      maxUsers: flags.maxUsers,
      maxPercent: flags.maxPercent,
      force: flags.force,
      now: context.now?.(),
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  io.stdout.write(
    formatResult(run, flags.output, styleFor(io.stdout, io.env), {
      csv: enforcementToCsv,
      table: renderEnforcementTable,
    }),
  );
  const nobody = warnUnmatchedIncludes(
    context,
    run.settings.include_users,
    run.settings.include_users_unmatched,
  );
  const unreadable = run.users_unreadable.map((u) => u.username);
  if (unreadable.length > 0) {
    io.stderr.write(
      `${context.programName ?? 'awssec'}: ${unreadable.length} user${unreadable.length === 1 ? ' was' : 's were'} not assessed (access denied), so not acted on: ${unreadable.join(', ')}\n`,
    );
  }
  const incomplete = run.users.some((user) => user.outcome === 'failed' || user.outcome === 'cannot-record');
  return incomplete || unreadable.length > 0 || nobody ? 1 : 0;
}

export async function runRestoreCommand(flags: RestoreFlags, context: CommandContext): Promise<number> {
  const { io } = context;
  const run: RestoreRun = await restoreUser({
    ...context.aws,
    userName: flags.user,
    keys: flags.key,
    recordBucket: flags.recordBucket,
    dryRun: dryRunFrom(flags),
    now: context.now?.(),
  });
  io.stdout.write(
    formatResult(run, flags.output, styleFor(io.stdout, io.env), {
      csv: restoreToCsv,
      table: renderRestoreTable,
    }),
  );
  return run.outcome === 'failed' ? 1 : 0;
}
