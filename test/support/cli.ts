import type { CliIo } from '../../cli/terminal.ts';

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
