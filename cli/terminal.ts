import picocolors from 'picocolors';

export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** Where the CLI writes and what it reads of its environment; tests hand in their own. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * How long a run goes before a stderr that is not a terminal is told what
   * it waits for; `Infinity` for never. @default 2000
   */
  readonly progressDelayMs?: number | undefined;
}

export type Colors = ReturnType<typeof picocolors.createColors>;

/** How to decorate output: colour and emoji only on a terminal, and never with NO_COLOR set. */
export interface Style {
  readonly fancy: boolean;
  readonly colors: Colors;
}

export function styleFor(stream: OutputStream, env: CliIo['env']): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const fancy = stream.isTTY === true && !noColor;
  return { fancy, colors: picocolors.createColors(fancy) };
}

export const PLAIN_STYLE: Style = { fancy: false, colors: picocolors.createColors(false) };
