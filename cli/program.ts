import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AwsCallError } from '../lambdas/aws/aws-call-error.ts';
import { DEFAULT_GRACE_PERIOD_DAYS } from '../lambdas/core/assessment.ts';
import { InvalidOptionError } from '../lambdas/use-cases/generate-mfa-report.ts';
import { type CommandContext, runReportCommand } from './report-command.ts';
import { REPORT_FORMATS } from './report-output.ts';
import { UsageError } from './usage-error.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function wholeDays(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('give a whole number of days, 0 or more.');
  return Number(value);
}

/** The options every command that assesses users takes. */
function addAssessmentOptions(command: Command): Command {
  return command
    .option('--exclude-users <names>', 'exempt these users: comma-separated names or patterns (svc-*)')
    .option(
      '--exclude-file <file>',
      'exempt the users named in this file: one name or pattern a line, # comments',
    )
    .option('--include-users <names>', 'cover only these users (names or patterns); beats exclusion')
    .option(
      '--grace-period-days <days>',
      'days a new user may go without MFA',
      wholeDays,
      DEFAULT_GRACE_PERIOD_DAYS,
    )
    .addOption(
      new Option('--source <source>', 'bulk: credential report, fast; live: every user read now')
        .choices(['bulk', 'live'])
        .default('bulk'),
    );
}

function buildProgram(context: CommandContext, setExitCode: (code: number) => void): Command {
  const program = new Command('awssec')
    .description('AWS security tools')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
      // Printed by runCli as one line.
      outputError: () => {},
    });

  const iamMfa = program.command('iam-mfa').description('keep IAM users behind multi-factor authentication');

  addAssessmentOptions(
    iamMfa
      .command('report')
      .description('report who can reach the account without MFA (changes nothing)')
      .addOption(
        new Option('-o, --output <format>', 'table, json or csv').choices(REPORT_FORMATS).default('table'),
      )
      .option('--save-report <path>', 'also save the report; .json and .csv files get that format'),
  ).action(async (flags) => setExitCode(await runReportCommand(flags, context)));

  return program;
}

/** Runs one command line and returns the exit code: 0 success, 1 failure at run time, 2 usage error. */
export async function runCli(argv: readonly string[], context: CommandContext): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(context, (code) => {
    exitCode = code;
  });
  const fail = (code: number, message: string) => {
    context.io.stderr.write(`awssec: ${message}\n`);
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
    if (error instanceof UsageError || error instanceof InvalidOptionError)
      return fail(EXIT_USAGE, error.message);
    if (error instanceof AwsCallError) return fail(EXIT_FAILURE, error.message);
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
