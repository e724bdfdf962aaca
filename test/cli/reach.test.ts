/**
 * A new user's first run against an endpoint that is wrong, dead or slow:
 * it ends in seconds with one line naming the endpoint, and a slow run says
 * what it waits for even when stderr is not a terminal.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetUserCommand } from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli/program.ts';
import { toAwsCallError } from '../../lambdas/aws/aws-call-error.ts';
import {
  awsClientConfig,
  createIamClient,
  NETWORK_RETRY_BUDGET,
  NetworkBudgetError,
} from '../../lambdas/aws/aws-clients.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from '../../lambdas/aws/client-timeouts.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { captureIo } from '../support/cli.ts';
import { freePort } from '../support/moto.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedUsers } from '../support/seed.ts';

const emulator = useMoto();
let silent: Server | undefined;

afterEach(() => {
  silent?.close();
  silent = undefined;
});

/** A server that accepts every connection and never answers. */
async function deadEndpoint(): Promise<string> {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
}

async function awssec(
  args: string[],
  endpoint: string,
  env: Record<string, string> = {},
  progressDelayMs?: number,
) {
  const captured = captureIo(env, false, progressDelayMs);
  const started = performance.now();
  const code = await runCli(['iam-mfa', ...args], {
    io: captured.io,
    aws: testClientSettings(endpoint),
  });
  return {
    code,
    stdout: captured.stdout(),
    stderr: captured.stderr(),
    seconds: (performance.now() - started) / 1000,
  };
}

describe('an endpoint that cannot be reached', () => {
  it('a closed port: exit 1 at once, the endpoint named, the way out said', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const { code, stdout, stderr } = await awssec(['report'], endpoint);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      new RegExp(
        `^awssec: cannot reach AWS at ${endpoint}: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+; check the network or proxy, and AWS_ENDPOINT_URL or AWS_REGION\\n$`,
      ),
    );
  });

  it('one that accepts and never answers: fails within its timeout, not forever', async () => {
    const endpoint = await deadEndpoint();
    const { code, stderr, seconds } = await awssec(['enforce', '--timeout', '1'], endpoint);
    expect(code).toBe(1);
    expect(stderr).toContain(`awssec: cannot reach AWS at ${endpoint}: `);
    expect(stderr).toContain('requestTimeout');
    expect(seconds).toBeLessThan(10); // two attempts of a second each, with back-off: far from forever
  });

  it('takes the timeout from AWSSEC_TIMEOUT_SECONDS, checked like the option', async () => {
    const endpoint = await deadEndpoint();
    const viaEnv = await awssec(['restore', '--user', 'bob'], endpoint, { AWSSEC_TIMEOUT_SECONDS: '1' });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toContain('cannot reach AWS at');
    const bad = await awssec(['report'], endpoint, { AWSSEC_TIMEOUT_SECONDS: '0x10' });
    expect(bad).toMatchObject({
      code: 2,
      stderr:
        "awssec: environment variable AWSSEC_TIMEOUT_SECONDS is '0x10': give a whole number of seconds from 1 to 300, or unset it\n",
    });
  });

  it('refuses --timeout out of range before any call', async () => {
    const { code, stderr } = await awssec(['report', '--timeout', '301'], emulator.proxy.endpoint);
    expect(code).toBe(2);
    expect(stderr).toContain("option '--timeout <seconds>' argument '301' is invalid");
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it.each(['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTFOUND'])(
    '%s counts as unreachable',
    (code) => {
      const error = Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });
      expect(toAwsCallError('sts:GetCallerIdentity', error)).toMatchObject({
        kind: 'unreachable',
        detail: `connect ${code} 10.0.0.1:443`,
      });
    },
  );

  it('sets a connection and a request timeout on every client, by default the documented ones', () => {
    expect(awsClientConfig().requestHandler).toEqual({
      connectionTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    });
    expect([DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS]).toEqual([5_000, 30_000]);
  });
});

describe('an endpoint that dies after the first call', () => {
  it('every client gives up on it after three attempts, not the ten it spends on throttling', async () => {
    let connections = 0;
    silent = createServer(() => {
      connections += 1;
    });
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const iam = createIamClient({ ...testClientSettings(endpoint), maxAttempts: 10, requestTimeoutMs: 200 });
    const started = performance.now();
    const error = await iam.send(new GetUserCommand({ UserName: 'bob' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkBudgetError);
    expect(toAwsCallError('iam:GetUser', error)).toMatchObject({ kind: 'unreachable' });
    expect(connections).toBe(NETWORK_RETRY_BUDGET.attempts);
    expect(performance.now() - started).toBeLessThan(NETWORK_RETRY_BUDGET.ms);
  });
});

describe('an AWS profile that does not exist', () => {
  it('is named, with where it was looked for', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'awssec-profile-'));
    const config = join(dir, 'config');
    const credentials = join(dir, 'credentials');
    await writeFile(config, '[default]\nregion = us-east-1\n[profile audit]\nregion = eu-west-1\n');
    await writeFile(credentials, '[ci]\naws_access_key_id = x\n');
    vi.stubEnv('AWS_PROFILE', 'nosuch');
    vi.stubEnv('AWS_CONFIG_FILE', config);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', credentials);
    const captured = captureIo();
    let code: number;
    try {
      code = await runCli(['iam-mfa', 'report'], {
        io: captured.io,
        aws: { endpoint: emulator.proxy.endpoint, region: 'us-east-1' },
      });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(code).toBe(1);
    expect(captured.stderr()).toBe(
      `awssec: AWS profile 'nosuch' is not in ${config} or ${credentials}: check AWS_PROFILE (aws configure list-profiles lists the profiles)\n`,
    );
    expect(emulator.proxy.seen.size).toBe(0);
  });
});

describe('a slow run, with stderr not a terminal', () => {
  it('says what it waits for, one line a phase', async () => {
    await seedUsers(testClients(emulator.moto.endpoint).iam, emulator.moto, [
      { name: 'alice' },
      { name: 'bob' },
    ]);
    emulator.proxy.setDelay(50);
    const { code, stderr } = await awssec(['report', '--source', 'live'], emulator.proxy.endpoint, {}, 0);
    expect(code).toBe(0);
    expect(stderr).toBe('Reading IAM users, groups and policies…\nReading users one by one: 0/2\n');
    const quiet = await awssec(
      ['report', '--source', 'live', '--no-progress'],
      emulator.proxy.endpoint,
      {},
      0,
    );
    expect(quiet.stderr).toBe('');
  });

  it('prints nothing when the run ends before the delay', async () => {
    // Ten seconds, not the default two: a loaded machine must not make this run slow.
    const { stderr, seconds } = await awssec(['report'], emulator.proxy.endpoint, {}, 10_000);
    expect(seconds).toBeLessThan(10);
    expect(stderr).toBe('');
  });
});
