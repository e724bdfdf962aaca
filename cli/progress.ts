import yoctoSpinner from 'yocto-spinner';
import type { EnforcementProgress } from '../lambdas/use-cases/enforce-mfa-compliance.ts';
import type { OutputStream } from './terminal.ts';

export interface Progress {
  update(event: EnforcementProgress): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** A spinner on stderr while the inventory runs, only when stderr is a terminal. */
export function startProgress(stream: OutputStream, enabled: boolean): Progress {
  if (!enabled || stream.isTTY !== true) return SILENT;
  const spinner = yoctoSpinner({
    text: 'Reading IAM users, groups and policies…',
    stream: stream as NodeJS.WriteStream,
  }).start();
  let reportState = '';
  return {
    update: (event) => {
      if (event.phase === 'credential-report') {
        reportState = event.state === 'COMPLETE' ? '' : ` (credential report ${event.state.toLowerCase()})`;
        spinner.text = `Reading IAM users, groups and policies…${reportState}`;
      } else if (event.phase === 'users') {
        spinner.text = `Reading users one by one: ${event.done}/${event.total}`;
      } else {
        spinner.text = `Checking each target live, then acting: ${event.done}/${event.total}`;
      }
    },
    stop: () => spinner.stop(),
  };
}
