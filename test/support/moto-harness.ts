import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type AwsProxy, startAwsProxy } from './aws-proxy.ts';
import { type MotoServer, startMoto } from './moto.ts';

export interface MotoHarness {
  /** moto itself: set-up calls go here directly, past the proxy. */
  readonly moto: MotoServer;
  /** The project's proxy in front of moto: what the code under test talks to. */
  readonly proxy: AwsProxy;
}

/**
 * A moto server and the proxy for this test file: started once, reset before
 * each test (no rule, no delay, counts cleared after `seed` ran), stopped at
 * the end. Read `moto` and `proxy` inside tests and hooks, not at load time.
 */
export function useMoto(seed?: (moto: MotoServer) => Promise<void>): MotoHarness {
  let moto: MotoServer | undefined;
  let proxy: AwsProxy | undefined;
  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(async () => {
    const started = harness();
    await started.moto.reset();
    started.proxy.setRule(undefined);
    started.proxy.setDelay(0);
    await seed?.(started.moto);
    started.proxy.seen.clear();
    started.proxy.forwarded.length = 0;
  });
  const harness = (): MotoHarness => {
    if (moto === undefined || proxy === undefined)
      throw new Error('moto is not running: use it inside tests and hooks');
    return { moto, proxy };
  };
  return {
    get moto() {
      return harness().moto;
    },
    get proxy() {
      return harness().proxy;
    },
  };
}
