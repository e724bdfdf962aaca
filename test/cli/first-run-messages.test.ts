/**
 * What a new user reads when something is off: each message names the
 * option and says what is true, and the exit code agrees.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStandalone } from '../../cli/standalone.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { captureIo, runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const emulator = useMoto(
  async (moto) => {
    await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  },
  { reseedOnlyAfterChanges: true },
);

const awssec = (args: string[]) =>
  runAwssec(['iam-mfa', ...args], testClientSettings(emulator.proxy.endpoint));

describe('--save-report', () => {
  it('names the option and the path, never a temporary file, when the file cannot be written', async () => {
    const { code, stdout, stderr } = await awssec(['report', '--save-report', '/proc/r.json']);
    expect(code).toBe(1);
    expect(stdout).toContain('IAM MFA compliance report');
    expect(stderr).toBe(
      'awssec: --save-report: cannot write /proc/r.json (ENOENT); the report was printed but not saved: choose a path in a directory you can write to\n',
    );
  });

  it('says a parent that is a file is a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'awssec-parent-'));
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'x');
    const { code, stderr } = await awssec(['report', '--save-report', join(file, 'r.json')]);
    expect(code).toBe(2);
    expect(stderr).toBe(`awssec: --save-report: ${file} is a file, not a directory; choose another path\n`);
    expect(emulator.proxy.seen.size).toBe(0);
  });
});

describe('--include-users', () => {
  it('warns of a name that matches nobody, and exits 1 when nobody matched at all', async () => {
    const none = await awssec(['report', '--include-users', 'nosuchuser', '-o', 'json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout).summary.total).toBe(0);
    expect(none.stderr).toBe("awssec: --include-users: 'nosuchuser' matches no IAM user of the account\n");
    const some = await awssec(['enforce', '--include-users', 'bob.wilson,nosuch*', '-o', 'json']);
    expect(some.code).toBe(0);
    expect(some.stderr).toBe("awssec: --include-users: 'nosuch*' matches no IAM user of the account\n");
  });
});

describe('the enforce table', () => {
  it('counts one user in the singular', async () => {
    const { stdout } = await awssec(['enforce', '--include-users', 'bob.wilson']);
    expect(stdout).toContain('PLAN (1 USER)');
    expect(stdout).toContain('Blast radius: 1 of 7 users');
  });

  it('does not claim changes on a run that changed nothing', async () => {
    await awssec(['enforce', '--include-users', 'bob.wilson', '--apply']);
    const again = await awssec(['enforce', '--include-users', 'bob.wilson', '--apply']);
    expect(again.stdout).toContain('APPLIED: nothing needed changing');
    expect(again.stdout).not.toContain('the changes below were made');
  });

  it('does not tell a refused dry run to run with --apply', async () => {
    const { code, stdout } = await awssec(['enforce', '--exclude-users', 'svc-*', '--max-users', '1']);
    expect(code).toBe(0);
    expect(stdout).not.toContain('Run the same command with --apply');
    expect(stdout).toContain(
      'Nothing has changed, and --apply would be refused: this run would act on 3 users: more than --max-users 1. Review the plan, then raise --max-users or --max-percent, or add --force.',
    );
  });
});

describe('options', () => {
  it('takes an output format in any case', async () => {
    const { code, stdout } = await awssec(['report', '-o', 'JSON']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).summary.total).toBe(7);
  });
});

describe('iam-mfa-enforce', () => {
  it('starts its errors with its own name', async () => {
    const captured = captureIo();
    const code = await runStandalone(['--grace-period-days', 'x'], {
      io: captured.io,
      aws: testClientSettings(emulator.proxy.endpoint),
    });
    expect(code).toBe(2);
    expect(captured.stderr()).toMatch(
      /^iam-mfa-enforce: option '--grace-period-days <days>' argument 'x' is invalid/,
    );
  });
});
