import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../lambdas/aws/client-timeouts.ts';
import { DEFAULT_GRACE_PERIOD_DAYS } from '../lambdas/core/assessment.ts';
import { displayText } from '../lambdas/core/display-text.ts';
import { DEFAULT_BLAST_RADIUS } from '../lambdas/core/enforcement.ts';
import { OPERATOR_COMMANDS } from '../lambdas/core/operator-policies.ts';
import { describeRange, numberInRange, type RangedOption } from '../lambdas/core/option-ranges.ts';
import { MEMBER_ROLE_NAMES } from '../lambdas/function-contract.ts';
import { PARTITIONS, POLICY_NAMES, type PolicyName, REPORT_FORMATS, REPORT_OUTPUTS } from './choices.ts';
import type { PolicyFlags } from './policy-command.ts';
import type { CommandContext } from './report-command.ts';
import { UsageError } from './usage-error.ts';
import { VERSION } from './version.ts';

// The commands' code (and with it the AWS SDK) is imported when a command
// runs, so that --help, --version and a usage error start in milliseconds.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A parser for a numeric option: plain decimal within its range (lambdas/core/option-ranges.ts), checked before any call. */
function ranged(option: RangedOption): (value: string) => number {
  return (value) => {
    const number = numberInRange(option, value);
    if (number === undefined) throw new InvalidArgumentError(`give ${describeRange(option)}.`);
    return number;
  };
}

/**
 * A choice given in any case (`-o JSON`), checked against the choices in
 * lower case; the choices still show in --help.
 */
function anyCaseOf(choices: readonly string[]): (value: string) => string {
  return (value) => {
    const choice = value.toLowerCase();
    if (!choices.includes(choice)) {
      throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    }
    return choice;
  };
}

function anyCase(option: Option): Option {
  return option.argParser(anyCaseOf(option.argChoices ?? []));
}

function outputOption(): Option {
  return anyCase(new Option('-o, --output <format>', 'table, json or csv').choices(REPORT_FORMATS)).default(
    'table',
  );
}

/** The options every command that assesses users takes. */
function addAssessmentOptions(command: Command): Command {
  return command
    .option('--exclude-users <names>', 'exempt these users: comma-separated names or patterns (svc-*)')
    .option(
      '--exclude-file <file>',
      'exempt the users named in this file: one name or pattern a line, # comments',
    )
    .option(
      '--include-users <names>',
      'cover only these users (names or patterns); an exact name overrides its exemption, a pattern does not',
    )
    .option(
      '--ignore-exemptions',
      'override every exemption (the awssec:mfa-exempt tag); not with --exclude-users or --exclude-file',
    )
    .option(
      '--grace-period-days <days>',
      'days a new user may go without MFA (0 to 3650)',
      ranged('gracePeriodDays'),
      DEFAULT_GRACE_PERIOD_DAYS,
    )
    .addOption(
      new Option(
        '--source <source>',
        'bulk: credential report, fast; live: every user read now; auto: bulk, or live if the report is not ready in time',
      )
        .choices(['bulk', 'live', 'auto'])
        .argParser(anyCaseOf(['bulk', 'live', 'auto']))
        .default('bulk'),
    )
    .option(
      '--report-timeout <seconds>',
      'how long to wait for AWS to generate the credential report (1 to 3600 seconds)',
      ranged('reportTimeoutSeconds'),
      180,
    )
    .addOption(timeoutOption())
    .option('--no-progress', 'no spinner or progress lines on stderr: only warnings and errors');
}

/**
 * The assessment's options, and the choice of an organization's accounts that
 * report and enforce share with --org (each names its own role option).
 */
function addOrganizationOptions(command: Command, accountsAre: 'read' | 'planned'): Command {
  return addAssessmentOptions(command)
    .option(
      '--accounts <ids>',
      'with --org: only these accounts: comma-separated 12-digit ids, or @FILE with one a line',
    )
    .option(
      '--account-concurrency <n>',
      `with --org: accounts ${accountsAre} at once (1 to 64; default 8)`,
      ranged('accountConcurrency'),
    );
}

/** How long one AWS call may take; AWSSEC_TIMEOUT_SECONDS sets the default. */
function timeoutOption(): Option {
  return new Option(
    '--timeout <seconds>',
    `how long one AWS call may take before it is retried (1 to 300 seconds; default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000}, or AWSSEC_TIMEOUT_SECONDS)`,
  ).argParser(ranged('timeoutSeconds'));
}

/**
 * The context with the request timeout the run asked for: `--timeout`, else
 * AWSSEC_TIMEOUT_SECONDS (checked like the option), else the default.
 */
function withTimeout(
  context: CommandContext,
  flags: { readonly timeout?: number | undefined },
): CommandContext {
  const fromEnv = context.io.env.AWSSEC_TIMEOUT_SECONDS;
  let seconds = flags.timeout;
  if (seconds === undefined && fromEnv !== undefined && fromEnv !== '') {
    seconds = numberInRange('timeoutSeconds', fromEnv);
    if (seconds === undefined) {
      throw new UsageError(
        `environment variable AWSSEC_TIMEOUT_SECONDS is '${fromEnv}': give ${describeRange('timeoutSeconds')}, or unset it`,
      );
    }
  }
  return seconds === undefined
    ? context
    : { ...context, aws: { ...context.aws, requestTimeoutMs: seconds * 1000 } };
}

function buildProgram(context: CommandContext, setExitCode: (code: number) => void): Command {
  const program = new Command('awssec')
    .description('AWS security tools')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      // Printed by runCli as one line.
      outputError: () => {},
    });

  const iamMfa = program.command('iam-mfa').description('keep IAM users behind multi-factor authentication');

  addOrganizationOptions(
    iamMfa
      .command('report')
      .description('report who can reach the account without MFA (changes nothing in IAM)')
      .addOption(
        anyCase(
          new Option(
            '-o, --output <format>',
            'table, json, csv, or asff: the Security Hub findings the run would import (nothing is imported)',
          ).choices(REPORT_OUTPUTS),
        ).default('table'),
      )
      .option(
        '--save-report <path>',
        'also save the report; .json and .csv files get that format (json for -o asff)',
      )
      .option(
        '--security-hub',
        "import the findings into this account's Security Hub (the region's), resolving the ones fixed or gone",
      )
      .option(
        '--org',
        'report on every ACTIVE account of the organization (run from the management account or a delegated administrator)',
      )
      .option(
        '--role-name <name>',
        `with --org: the role assumed in each account (default ${MEMBER_ROLE_NAMES.audit})`,
      ),
    'read',
  ).action(async (flags) => {
    const { runReportCommand } = await import('./report-command.ts');
    setExitCode(await runReportCommand(flags, withTimeout(context, flags)));
  });

  addOrganizationOptions(
    iamMfa
      .command('enforce')
      .description('plan, and with --apply carry out: disable keys, attach RequireMFA (dry run by default)')
      .addOption(outputOption())
      .option('--apply', 'carry the plan out (without it nothing changes)')
      .option('--dry-run', 'only print the plan (the default)')
      .option('--disable-console-access', 'also delete the console password of each non-compliant user')
      .option(
        '--max-users <n>',
        `refuse to act on more than this many users (1 to 5000; default ${DEFAULT_BLAST_RADIUS.maxUsers})`,
        ranged('maxUsers'),
      )
      .option(
        '--max-percent <p>',
        `refuse to act on more than this share of all IAM users (above 0, at most 100; default ${DEFAULT_BLAST_RADIUS.maxPercent})`,
        ranged('maxPercent'),
      )
      .option('--force', 'go ahead above --max-users or --max-percent')
      .option(
        '--break-glass <names>',
        'never act on these users, whatever --include-users says: comma-separated names or patterns',
      )
      .option(
        '--record-bucket <bucket>',
        "an S3 bucket for the records of users who have IAM's 50 tags (without it they are not acted on)",
      )
      .option(
        '--org',
        'plan (and with --apply act) in every ACTIVE account of the organization; --max-users and --max-percent also hold over it',
      )
      .option(
        '--enforce-role-name <name>',
        `with --org: the role assumed in each account to re-check and act (default ${MEMBER_ROLE_NAMES.enforce})`,
      ),
    'planned',
  ).action(async (flags) => {
    const { runEnforceCommand } = await import('./enforce-command.ts');
    setExitCode(await runEnforceCommand(flags, withTimeout(context, flags)));
  });

  iamMfa
    .command('restore')
    .description(
      'undo what enforce did to one user: re-enable its keys, detach RequireMFA (dry run by default)',
    )
    .requiredOption('--user <name>', 'the IAM user to restore')
    .option(
      '--key <id>',
      'restore only this access key (repeat for more); RequireMFA stays attached and the record keeps the others',
      (id: string, ids: string[] = []) => [...ids, id],
    )
    .option(
      '--record-bucket <bucket>',
      "the S3 bucket enforce kept records in for users with IAM's 50 tags (the nightly run's report bucket)",
    )
    .addOption(outputOption())
    .option('--apply', 'carry the restore out (without it nothing changes)')
    .option('--dry-run', 'only print what would be restored (the default)')
    .addOption(timeoutOption())
    .action(async (flags) => {
      const { runRestoreCommand } = await import('./enforce-command.ts');
      setExitCode(await runRestoreCommand(flags, withTimeout(context, flags)));
    });

  iamMfa
    .command('policy')
    .description(
      'print a policy this tool uses, or the one to run a command with (--operator); --repair makes RequireMFA canonical again',
    )
    .addArgument(
      new Argument(
        '[name]',
        'require-mfa: what enforce attaches (the default); self-service: lets users manage their own MFA',
      ).choices(POLICY_NAMES),
    )
    .addOption(
      new Option(
        '--operator <command>',
        'print the least-privilege policy for the person or role that runs this command',
      )
        .choices(OPERATOR_COMMANDS)
        .argParser(anyCaseOf(OPERATOR_COMMANDS)),
    )
    .addOption(
      new Option('--partition <partition>', 'the AWS partition of the ARNs --operator prints')
        .choices(PARTITIONS)
        .argParser(anyCaseOf(PARTITIONS))
        .default('aws'),
    )
    .option(
      '--record-bucket <bucket>',
      'with --operator enforce or restore: also allow keeping records in this S3 bucket',
    )
    .option(
      '--security-hub',
      "with --operator report: also allow reading and importing the tool's Security Hub findings",
    )
    .option(
      '--org',
      "with --operator report or enforce: also allow listing the organization's accounts and assuming the command's role in each",
    )
    .option(
      '--role-name <name>',
      'with --org: the role assumed in each account (default AwssecIamMfaAudit for report, AwssecIamMfaEnforce for enforce)',
    )
    .option('--repair', 'make the RequireMFA policy the canonical document again (dry run by default)')
    .option('--apply', 'with --repair: carry the repair out')
    .option('--dry-run', 'with --repair: only print what would change (the default)')
    .addOption(timeoutOption())
    .addOption(
      new Option('-o, --output <format>', 'with --repair: table or json')
        .choices(['table', 'json'])
        .argParser(anyCaseOf(['table', 'json']))
        .default('table'),
    )
    .action(async (name: PolicyName | undefined, flags: PolicyFlags) => {
      const { runPolicyCommand } = await import('./policy-command.ts');
      setExitCode(await runPolicyCommand(name, flags, withTimeout(context, flags)));
    });

  return program;
}

/** Runs one command line and returns the exit code: 0 success, 1 failure at run time, 2 usage error. */
export async function runCli(argv: readonly string[], context: CommandContext): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  const fail = (code: number, message: string) => {
    // Messages may quote AWS's error text or an argument: one line, no escape sequences.
    context.io.stderr.write(`${context.programName ?? 'awssec'}: ${displayText(message)}\n`);
    return code;
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT_OK;
      if (error.code === 'commander.help') return EXIT_USAGE; // no command given: the help went to stderr
      return fail(EXIT_USAGE, `${oneLine(error.message.replace(/^error: /, ''))} (see --help)`);
    }
    if (error instanceof UsageError) return fail(EXIT_USAGE, error.message);
    // Loaded already if one of these was thrown.
    const refusals = await import('./refusals.ts');
    if (refusals.isRefusal(error)) return fail(EXIT_USAGE, error.message);
    if (error instanceof refusals.AwsCallError) return fail(EXIT_FAILURE, error.message);
    return fail(EXIT_FAILURE, oneLine(error instanceof Error ? error.message : String(error)));
  }
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(' ');
}
