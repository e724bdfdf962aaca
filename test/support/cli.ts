import type { CliIo } from '../../cli/terminal.ts';

export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
}

/** Streams that keep what the CLI writes; `tty` makes them claim to be a terminal. */
export function captureIo(env: Record<string, string | undefined> = {}, tty = false): CapturedIo {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (chunk: string) => (out += chunk), isTTY: tty },
      stderr: { write: (chunk: string) => (err += chunk), isTTY: false },
      env,
    },
    stdout: () => out,
    stderr: () => err,
  };
}
