import { runCli } from '../../cli/program.ts';
import type { CliIo } from '../../cli/terminal.ts';
import type { AwsClientSettings } from '../../lambdas/aws/aws-clients.ts';

export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/**
 * Streams that keep what the CLI writes; `tty` makes stdout claim to be a
 * terminal. No progress lines unless `progressDelayMs` asks for them, so a
 * test on a loaded machine sees the same stderr as on an idle one.
 */
export function captureIo(
  env: Record<string, string | undefined> = {},
  tty = false,
  progressDelayMs = Number.POSITIVE_INFINITY,
): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (chunk: string) => (out += chunk), isTTY: tty },
      stderr: { write: (chunk: string) => (err += chunk), isTTY: false },
      env,
      progressDelayMs,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `awssec ARGS` in-process, as the bin does, against the given AWS
 * settings: its exit code and what it wrote. `tty` makes stdout a terminal.
 */
export async function runAwssec(
  args: readonly string[],
  aws: AwsClientSettings,
  { env = {}, tty = false }: { env?: Record<string, string | undefined>; tty?: boolean } = {},
): Promise<CliRun> {
  const captured = captureIo(env, tty);
  const code = await runCli(args, { io: captured.io, aws });
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}
