import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { testClients } from '../support/aws.ts';
import { type MotoServer, startMoto } from '../support/moto.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const BIN = fileURLToPath(new URL('../../dist/bin/awssec.js', import.meta.url));

/** Runs the built command the way package.json's `bin` does, in a clean environment. */
async function awssec(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], {
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
    const { code, stdout, stderr } = await awssec(['iam-mfa', 'report', '--output', 'json'], {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      HOME: emptyHome,
    });
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
