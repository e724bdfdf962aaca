import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { testClients } from '../support/aws.ts';
import { type MotoServer, startMoto } from '../support/moto.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const BIN = fileURLToPath(new URL('../../dist/bin/awssec.js', import.meta.url));
const STANDALONE_BIN = fileURLToPath(new URL('../../dist/bin/iam-mfa-enforce.js', import.meta.url));

/** Runs the built command the way package.json's `bin` does, in a clean environment. */
async function awssec(args: string[], env: Record<string, string>, bin = BIN) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
}

let moto: MotoServer;
let emptyHome: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build (npm test does)`);
  moto = await startMoto();
  await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  emptyHome = await mkdtemp(join(tmpdir(), 'awssec-home-'));
});
afterAll(() => moto?.stop());

describe('the awssec command', () => {
  it('reports on the account AWS_ENDPOINT_URL points at, with nothing on stderr', async () => {
    const { code, stdout, stderr } = await awssec(
      ['iam-mfa', 'report', '--output', 'json', '--no-progress'],
      {
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        HOME: emptyHome,
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report: MfaReport = JSON.parse(stdout);
    expect(report.summary.total).toBe(7);
    expect(report.account_id).toBe('123456789012');
  });

  it('exits 1 with one line when there are no credentials', async () => {
    const { code, stdout, stderr } = await awssec(['iam-mfa', 'report'], {
      AWS_ENDPOINT_URL: moto.endpoint,
      HOME: emptyHome,
      AWS_CONFIG_FILE: join(emptyHome, 'none'),
      AWS_SHARED_CREDENTIALS_FILE: join(emptyHome, 'none'),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^awssec: no AWS credentials found for (iam|sts):\w+: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n$/,
    );
  });

  it('prints help for report, with every option', async () => {
    const { code, stdout } = await awssec(['iam-mfa', 'report', '--help'], { HOME: emptyHome });
    expect(code).toBe(0);
    for (const option of [
      '--output',
      '--save-report',
      '--exclude-users',
      '--exclude-file',
      '--include-users',
      '--grace-period-days',
      '--source',
    ]) {
      expect(stdout).toContain(option);
    }
  });
});

describe('--version', () => {
  it.each([
    ['awssec', BIN],
    ['iam-mfa-enforce', STANDALONE_BIN],
  ])("%s prints the package's version", async (_name, bin) => {
    const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const { code, stdout } = await awssec(['--version'], { HOME: emptyHome }, bin);
    expect(code).toBe(0);
    expect(stdout).toBe(`${packageJson.version}\n`);
  });
});

describe('the iam-mfa-enforce command', () => {
  const env = () => ({
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    HOME: emptyHome,
  });

  it('reports by default and plans with --enforce, through the same code as awssec', async () => {
    const report = await awssec(['-o', 'json'], env(), STANDALONE_BIN);
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as MfaReport).summary.total).toBe(7);
    const plan = await awssec(
      ['--enforce', '-o', 'json', '--exclude-users', 'svc-*', '--no-progress'],
      env(),
      STANDALONE_BIN,
    );
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const run: EnforcementRun = JSON.parse(plan.stdout);
    expect(run.dry_run).toBe(true);
    expect(run.users.map((u) => u.username)).toEqual(['alice.brown', 'bob.wilson', 'old.account']);
  });

  it.each([
    [
      ['--report', '--enforce'],
      'iam-mfa-enforce: --report and --enforce are two different runs: give one (see --help)',
    ],
    [['--report', '--apply'], 'iam-mfa-enforce: --apply and --dry-run go with --enforce (see --help)'],
    [
      ['--enforce', '--apply', '--dry-run'],
      'iam-mfa-enforce: --dry-run and --apply contradict each other: give one (a dry run is the default)',
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    const { code, stderr } = await awssec(args, env(), STANDALONE_BIN);
    expect(stderr).toBe(`${message}\n`);
    expect(code).toBe(2);
  });
});
