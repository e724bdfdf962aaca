import yoctoSpinner from 'yocto-spinner';
import type { EnforcementProgress } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { OutputStream } from './terminal.ts';

export interface Progress {
  update(event: EnforcementProgress): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** How long a run goes before a non-terminal stderr is told what it waits for. */
export const PROGRESS_DELAY_MS = 2_000;

/** What the run is doing, in words; the same words for the spinner and for the plain lines. */
function describe(event: EnforcementProgress | undefined): { phase: string; text: string } {
  if (event === undefined || event.phase === 'credential-report') {
    const waiting = event !== undefined && event.state !== 'COMPLETE';
    return waiting
      ? {
          phase: 'credential-report',
          text: `Reading IAM users, groups and policies… (credential report ${event.state.toLowerCase()})`,
        }
      : { phase: 'listing', text: 'Reading IAM users, groups and policies…' };
  }
  if (event.phase === 'users') {
    return { phase: 'users', text: `Reading users one by one: ${event.done}/${event.total}` };
  }
  return { phase: 'enforce', text: `Checking each target live, then acting: ${event.done}/${event.total}` };
}

/**
 * What the run waits for, on stderr. On a terminal, a spinner. Elsewhere (a
 * pipe, a log, CI), plain lines: once the run has taken `delayMs`, one line
 * saying what it is doing, and one more each time it moves to another phase,
 * so a slow run is never silent and a quick one prints nothing.
 */
export function startProgress(stream: OutputStream, enabled: boolean, delayMs = PROGRESS_DELAY_MS): Progress {
  if (!enabled) return SILENT;
  if (stream.isTTY === true) {
    const spinner = yoctoSpinner({
      text: describe(undefined).text,
      stream: stream as NodeJS.WriteStream,
    }).start();
    return { update: (event) => (spinner.text = describe(event).text), stop: () => spinner.stop() };
  }
  if (!Number.isFinite(delayMs)) return SILENT;
  let current: EnforcementProgress | undefined;
  let late = false;
  const said = new Set<string>();
  const say = () => {
    const { phase, text } = describe(current);
    if (said.has(phase)) return;
    said.add(phase);
    stream.write(`${text}\n`);
  };
  const timer = setTimeout(() => {
    late = true;
    say();
  }, delayMs);
  timer.unref();
  return {
    update: (event) => {
      current = event;
      if (late) say();
    },
    stop: () => clearTimeout(timer),
  };
}
