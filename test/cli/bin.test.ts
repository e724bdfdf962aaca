import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { testClients } from '../support/aws.ts';
import { type MotoServer, startMoto } from '../support/moto.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/**
 * The package as `npm pack` makes it (from what `npm run build` left in
 * dist/), unpacked where no node_modules can be found: the commands must run
 * from their bundle alone.
 */
let unpacked: string;
let packedFiles: string[];
const bin = (name: 'awssec' | 'iam-mfa-enforce') => join(unpacked, packageJson.bin[name]);

/** Runs a packed command the way package.json's `bin` does, in a clean environment. */
async function awssec(args: string[], env: Record<string, string>, command = bin('awssec')) {
  const child = spawn(process.execPath, [command, ...args], {
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
  if (!existsSync(join(ROOT, packageJson.bin.awssec))) {
    throw new Error(`${packageJson.bin.awssec} is missing: run npm run build (npm test does)`);
  }
  const destination = await mkdtemp(join(tmpdir(), 'awssec-pack-'));
  const { stdout } = await promisify(execFile)(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', destination],
    { cwd: ROOT },
  );
  const [pack] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packedFiles = pack.files.map((file) => file.path).sort();
  await promisify(execFile)('tar', ['-xzf', join(destination, pack.filename), '-C', destination]);
  unpacked = join(destination, 'package');
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
  it.each(['awssec', 'iam-mfa-enforce'] as const)("%s prints the package's version", async (name) => {
    const { code, stdout } = await awssec(['--version'], { HOME: emptyHome }, bin(name));
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
    const report = await awssec(['-o', 'json'], env(), bin('iam-mfa-enforce'));
    expect(report.code).toBe(0);
    expect((JSON.parse(report.stdout) as MfaReport).summary.total).toBe(7);
    const plan = await awssec(
      ['--enforce', '-o', 'json', '--exclude-users', 'svc-*', '--no-progress'],
      env(),
      bin('iam-mfa-enforce'),
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
    const { code, stderr } = await awssec(args, env(), bin('iam-mfa-enforce'));
    expect(stderr).toBe(`${message}\n`);
    expect(code).toBe(2);
  });
});

describe('the package', () => {
  it('holds the two bundled commands, the library, the docs, and nothing else', () => {
    const outside = packedFiles.filter(
      (path) =>
        !/^dist\/(bundle|lambdas)\//.test(path) &&
        !/^docs\/[a-z-]+\.md$/.test(path) &&
        !['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts'].includes(path),
    );
    expect(outside).toEqual([]);
    expect(packedFiles.filter((path) => /\.map$|(?<!\.d)\.ts$|(^|\/)test\//.test(path))).toEqual([]);
    expect(packedFiles).toEqual(expect.arrayContaining(Object.values(packageJson.bin)));
    for (const command of ['awssec', 'iam-mfa-enforce'] as const) {
      expect(readFileSync(bin(command), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
      expect(statSync(bin(command)).mode & 0o111).not.toBe(0);
    }
  });

  it('starts without loading the AWS SDK: the commands load it when they run', async () => {
    // The files Node reads before the first line runs: the entry and what it imports statically.
    const reached = new Set<string>();
    const visit = async (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      const code = await readFile(file, 'utf8');
      for (const [, path] of code.matchAll(/(?<![(\w])import\s*(?:[\w{}*,\s]+from\s*)?"(\.[^"]+)"/g)) {
        await visit(join(dirname(file), path as string));
      }
    };
    await visit(bin('awssec'));
    // The IAM client's service name, as its code in the bundle spells it.
    const iamClient = '"AWSIdentityManagementV20100508"';
    const startup = await Promise.all([...reached].map((file) => readFile(file, 'utf8')));
    expect(reached.size).toBeGreaterThan(1);
    expect(startup.some((code) => code.includes(iamClient))).toBe(false);
    expect(startup.join('').length).toBeLessThan(150_000);
    // The SDK is in the bundle, in a chunk a command imports when it runs.
    const chunks = packedFiles.filter((path) => path.startsWith('dist/bundle/chunks/'));
    const all = await Promise.all(chunks.map((path) => readFile(join(unpacked, path), 'utf8')));
    expect(all.some((code) => code.includes(iamClient))).toBe(true);
  });
});
