import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type AwsProxy, startAwsProxy } from './aws-proxy.ts';
import { type MotoServer, startMoto } from './moto.ts';

export interface MotoHarness {
  /**
   * moto, for set-up calls: they go past the proxy the code under test talks
   * to (through a second one, of the harness's own, that only notes writes).
   */
  readonly moto: MotoServer;
  /** The project's proxy in front of moto: what the code under test talks to. */
  readonly proxy: AwsProxy;
}

let shared: Promise<MotoServer> | undefined;

/**
 * One moto for all the files a test worker runs, one after another (vitest
 * shares modules within a worker): starting moto costs a second or two of
 * processor each time. It ends with the worker (moto_server.py watches its
 * parent). A file's first test always finds it reset.
 */
function workerMoto(): Promise<MotoServer> {
  shared ??= startMoto().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

export interface MotoHarnessOptions {
  /**
   * Reset and seed moto again only after a test that may have changed it:
   * one that made a call other than a read (through the proxy or through
   * `moto`'s endpoint) or moved moto's clock. A test that only read leaves
   * the seeded account as it found it, so the next one starts from the same
   * state without paying for the seeding again. @default false: before
   * every test
   */
  readonly reseedOnlyAfterChanges?: boolean;
}

/**
 * Calls that change nothing moto keeps (GenerateCredentialReport only computes
 * what Get returns; AssumeRole only hands out credentials for another account).
 */
const READ_ONLY = /^(Get|List|Simulate|Describe|GenerateCredentialReport$|AssumeRole$)/;

/**
 * A moto server and the proxy for this test file: started once, reset before
 * each test (no rule, no delay, counts cleared after `seed` ran), stopped at
 * the end. Read `moto` and `proxy` inside tests and hooks, not at load time.
 */
export function useMoto(
  seed?: (moto: MotoServer) => Promise<void>,
  options: MotoHarnessOptions = {},
): MotoHarness {
  let moto: MotoServer | undefined;
  let proxy: AwsProxy | undefined;
  let setup: AwsProxy | undefined;
  // Whether moto may hold anything but the seeded account.
  let clockMoved = true;
  beforeAll(async () => {
    const server = await workerMoto();
    proxy = await startAwsProxy(server.endpoint);
    setup = await startAwsProxy(server.endpoint);
    moto = {
      ...server,
      endpoint: setup.endpoint,
      setClockOffset: (offsetSeconds) => {
        clockMoved = true;
        return server.setClockOffset(offsetSeconds);
      },
    };
  });
  afterAll(async () => {
    // moto itself stays for the worker's next file (reset before its first test).
    await proxy?.stop();
    await setup?.stop();
  });
  beforeEach(async () => {
    const started = harness();
    const wrote = [...started.proxy.forwarded, ...(setup?.forwarded ?? [])].some(
      (request) => !READ_ONLY.test(request.action),
    );
    if (clockMoved || wrote || options.reseedOnlyAfterChanges !== true) {
      await started.moto.reset();
      await seed?.(started.moto);
    }
    clockMoved = false;
    if (setup !== undefined) setup.forwarded.length = 0;
    started.proxy.setRule(undefined);
    started.proxy.setDelay(0);
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
