import { readFile } from 'node:fs/promises';
import type { AwsClientSettings } from '../lambdas/aws/aws-clients.ts';
import type { InventorySourceKind } from '../lambdas/aws/iam-inventory.ts';
import { displayText } from '../lambdas/core/display-text.ts';
import { parsePatternFile, parsePatternList } from '../lambdas/core/user-selection.ts';
import { assessAccount } from '../lambdas/use-cases/generate-mfa-report.ts';
import type { ReportOutput } from './choices.ts';
import { startProgress } from './progress.ts';
import { checkSavePath, formatReport, saveFormat, saveReport } from './report-output.ts';
import { type CliIo, styleFor } from './terminal.ts';
import { UsageError } from './usage-error.ts';

/** The options `report` shares with the commands that build on the assessment. */
export interface AssessmentFlags {
  readonly excludeUsers?: string | undefined;
  readonly excludeFile?: string | undefined;
  readonly includeUsers?: string | undefined;
  readonly ignoreExemptions?: boolean | undefined;
  readonly gracePeriodDays: number;
  readonly source: InventorySourceKind;
  readonly reportTimeout: number;
  /** Seconds one AWS call may take (--timeout). */
  readonly timeout?: number | undefined;
  /** False with --no-progress: nothing on stderr but warnings and errors. */
  readonly progress?: boolean | undefined;
}

export interface ReportFlags extends AssessmentFlags {
  readonly output: ReportOutput;
  readonly saveReport?: string | undefined;
  /** Import the findings into the account's Security Hub. */
  readonly securityHub?: boolean | undefined;
  /** Every account of the organization. */
  readonly org?: boolean | undefined;
  readonly roleName?: string | undefined;
  readonly accounts?: string | undefined;
  readonly accountConcurrency?: number | undefined;
}

export interface CommandContext {
  readonly io: CliIo;
  /** Overrides the SDK's own configuration; tests point it at the emulator. */
  readonly aws?: AwsClientSettings | undefined;
  readonly now?: (() => Date) | undefined;
  /** The name messages start with: `awssec`, or `iam-mfa-enforce` for the standalone form. @default 'awssec' */
  readonly programName?: string | undefined;
}

/**
 * Warns of each `--include-users` item that named no user; true when none
 * named anyone, so the run found nobody to report on: a typo, not a result.
 */
export function warnUnmatchedIncludes(
  context: CommandContext,
  include: readonly string[],
  unmatched: readonly string[],
): boolean {
  const name = context.programName ?? 'awssec';
  for (const item of unmatched) {
    context.io.stderr.write(
      `${name}: --include-users: '${displayText(item)}' matches no IAM user of the account\n`,
    );
  }
  return include.length > 0 && unmatched.length === include.length;
}

/** The selection options of the API, from the flags: undefined for an option not given. */
export interface FlagSelection {
  readonly includeUsers: string[] | undefined;
  readonly excludeUsers: string[] | undefined;
  readonly ignoreExemptions: boolean;
}

/** Include and exclude patterns from the flags, the exclude file read and checked; nothing is called yet. */
export async function selectionFromFlags(flags: AssessmentFlags): Promise<FlagSelection> {
  const ignoreExemptions = flags.ignoreExemptions === true;
  if (ignoreExemptions && (flags.excludeUsers !== undefined || flags.excludeFile !== undefined)) {
    throw new UsageError(
      `--ignore-exemptions and ${flags.excludeUsers !== undefined ? '--exclude-users' : '--exclude-file'} contradict each other: give one (--ignore-exemptions exempts nobody)`,
    );
  }
  const includeUsers = flagPatterns('--include-users', flags.includeUsers);
  let excludeUsers = flagPatterns('--exclude-users', flags.excludeUsers);
  if (flags.excludeFile !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.excludeFile, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new UsageError(
        `--exclude-file: cannot read ${flags.excludeFile} (${code}); give a readable file with one name or pattern a line`,
      );
    }
    let fromFile: string[];
    try {
      fromFile = parsePatternFile(text);
    } catch (error) {
      throw new UsageError(`--exclude-file ${flags.excludeFile}: ${(error as Error).message}`);
    }
    // concat, not push(...): a file of 100,000 names is more arguments than a call may take.
    excludeUsers = excludeUsers === undefined ? fromFile : excludeUsers.concat(fromFile);
  }
  return { includeUsers, excludeUsers, ignoreExemptions };
}

/** The flag's names or patterns, checked (undefined when the flag is not given); the error names the flag. */
export function flagPatterns(flag: string, value: string | undefined): string[] | undefined {
  try {
    return value === undefined ? undefined : parsePatternList(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
}

/** The organization's options go with --org, and --org with neither Security Hub option (yet). */
function checkOrgFlags(flags: ReportFlags): void {
  if (flags.org !== true) {
    const given = [
      flags.roleName === undefined ? undefined : '--role-name',
      flags.accounts === undefined ? undefined : '--accounts',
      flags.accountConcurrency === undefined ? undefined : '--account-concurrency',
    ].find((flag) => flag !== undefined);
    if (given !== undefined) {
      throw new UsageError(`${given} goes with --org: awssec iam-mfa report --org ${given} …`);
    }
    return;
  }
  if (flags.securityHub === true || flags.output === 'asff') {
    throw new UsageError(
      `${flags.securityHub === true ? '--security-hub' : '-o asff'} works on one account, not with --org: run it in each account`,
    );
  }
}

export async function runReportCommand(flags: ReportFlags, context: CommandContext): Promise<number> {
  const { io } = context;
  const selection = await selectionFromFlags(flags);
  checkOrgFlags(flags);
  if (flags.saveReport !== undefined) await checkSavePath(flags.saveReport);
  if (flags.org === true) {
    const { runOrgReport } = await import('./org-report-command.ts');
    const { code, report } = await runOrgReport(flags, selection, context);
    const nobody = warnUnmatchedIncludes(
      context,
      report.settings.include_users,
      report.settings.include_users_unmatched,
    );
    return nobody ? 1 : code;
  }
  const progress = startProgress(io.stderr, flags.progress !== false, io.progressDelayMs);
  const now = context.now?.() ?? new Date();
  let assessed: Awaited<ReturnType<typeof assessAccount>>;
  try {
    assessed = await assessAccount({
      ...context.aws,
      source: flags.source,
      credentialReportTimeoutMs: flags.reportTimeout * 1000,
      gracePeriodDays: flags.gracePeriodDays,
      ...selection,
      now,
      onProgress: progress.update,
    });
  } finally {
    progress.stop();
  }
  const { report } = assessed;
  // What an import sends depends on the findings already there, so -o asff reads them too.
  const hub =
    flags.securityHub === true || flags.output === 'asff'
      ? await (await import('./report-security-hub.ts')).planSecurityHubStep(
          report,
          assessed.inventory.account.groups,
          context.aws,
          now,
        )
      : undefined;
  io.stdout.write(
    flags.output === 'asff'
      ? `${JSON.stringify(hub?.findings ?? [], null, 2)}\n`
      : formatReport(report, flags.output, styleFor(io.stdout, io.env)),
  );
  let failed = false;
  if (hub !== undefined && flags.securityHub === true) {
    const outcome = await hub.importAll();
    io.stderr.write(`${outcome.summary}\n`);
    for (const failure of outcome.failed) {
      io.stderr.write(
        `${context.programName ?? 'awssec'}: Security Hub did not import finding ${displayText(failure.id)}: ${displayText(failure.error)}\n`,
      );
    }
    failed = outcome.failed.length > 0;
  }
  if (flags.saveReport !== undefined) {
    const format = saveFormat(flags.saveReport, flags.output === 'asff' ? 'json' : flags.output);
    await saveReport(flags.saveReport, report, format);
    io.stderr.write(`Saved the ${format} report to ${flags.saveReport}\n`);
  }
  const nobody = warnUnmatchedIncludes(
    context,
    report.settings.include_users,
    report.settings.include_users_unmatched,
  );
  const unreadable = report.inventory.users_unreadable;
  if (unreadable.length > 0) {
    // The report stands, but it is incomplete: say so where scripts look, the exit code.
    io.stderr.write(
      `${context.programName ?? 'awssec'}: ${unreadable.length} user${unreadable.length === 1 ? ' was' : 's were'} not assessed (access denied): ${unreadable.map((u) => u.username).join(', ')}\n`,
    );
    return 1;
  }
  return nobody || failed ? 1 : 0;
}
