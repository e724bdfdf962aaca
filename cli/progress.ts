import yoctoSpinner from 'yocto-spinner';
import type { InventoryProgress } from '../lambdas/aws/iam-inventory.ts';
import type { OutputStream } from './terminal.ts';

export interface Progress {
  update(event: InventoryProgress): void;
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
      } else {
        spinner.text = `Reading users one by one: ${event.done}/${event.total}`;
      }
    },
    stop: () => spinner.stop(),
  };
}
