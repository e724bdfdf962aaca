import { runCli } from './program.ts';
import type { CommandContext } from './report-command.ts';
import { VERSION } from './version.ts';

const USAGE = `Usage: iam-mfa-enforce [--report | --enforce [--apply | --dry-run]] [options]

The standalone form of awssec iam-mfa, running the same code:
  iam-mfa-enforce --report [options]             = awssec iam-mfa report [options]  (the default)
  iam-mfa-enforce --enforce [--apply] [options]  = awssec iam-mfa enforce [--apply] [options]

Options are those of the awssec command: see awssec iam-mfa report --help and
awssec iam-mfa enforce --help.
`;

/** Maps `iam-mfa-enforce --report|--enforce …` onto `awssec iam-mfa report|enforce …`. */
export async function runStandalone(argv: readonly string[], context: CommandContext): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    context.io.stdout.write(USAGE);
    return 0;
  }
  if (argv.includes('--version') || argv.includes('-V')) {
    context.io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const report = argv.includes('--report');
  const enforce = argv.includes('--enforce');
  const usage = (message: string) => {
    context.io.stderr.write(`iam-mfa-enforce: ${message} (see --help)\n`);
    return 2;
  };
  if (report && enforce) return usage('--report and --enforce are two different runs: give one');
  const rest = argv.filter((arg) => arg !== '--report' && arg !== '--enforce');
  if (!enforce && (rest.includes('--apply') || rest.includes('--dry-run'))) {
    return usage('--apply and --dry-run go with --enforce');
  }
  return runCli(['iam-mfa', enforce ? 'enforce' : 'report', ...rest], {
    ...context,
    programName: 'iam-mfa-enforce',
  });
}
