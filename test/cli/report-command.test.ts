import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, symlinkSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TagUserCommand } from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/program.ts';
import type { MfaReport } from '../../lambdas/core/mfa-report.ts';
import { TEST_ACCOUNT_ID, testClientSettings, testClients } from '../support/aws.ts';
import { accessDenied, rewriteAccountSummary } from '../support/aws-proxy.ts';
import { captureIo, runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'awssec-report-'));
});
const emulator = useMoto(
  async (moto) => {
    await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  },
  { reseedOnlyAfterChanges: true },
);

const report = (args: string[], env: Record<string, string> = {}, tty = false) =>
  runAwssec(['iam-mfa', 'report', ...args], testClientSettings(emulator.proxy.endpoint), { env, tty });

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
const EMOJI = /\p{Extended_Pictographic}/u;

describe('awssec iam-mfa report', () => {
  it('classifies the sample account exactly by the rules (--output json)', async () => {
    const { code, stdout, stderr } = await report(['--output', 'json', '--exclude-users', 'svc-*']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const json: MfaReport = JSON.parse(stdout);
    expect(
      json.users.map((u) => [u.username, u.status, u.risk, u.console_access, u.active_access_keys]),
    ).toEqual([
      ['alice.brown', 'non-compliant', 'high', false, 1],
      ['bob.wilson', 'non-compliant', 'high', true, 0],
      ['old.account', 'non-compliant', 'high', true, 1],
      ['new.user', 'grace-period', 'medium', true, 0],
      ['svc-backup', 'exempted', 'high', false, 1],
      ['jane.smith', 'compliant', 'low', true, 0],
      ['john.doe', 'compliant', 'low', true, 1],
    ]);
    expect(json.summary).toMatchObject({
      total: 7,
      compliant: 2,
      'non-compliant': 3,
      'grace-period': 1,
      exempted: 1,
    });
    expect(json.account).toEqual({
      root_has_credentials: true,
      root_mfa_enabled: false,
      root_mfa_kind: null,
      root_access_keys_present: false,
      groups_without_mfa_policy: ['developers'],
      // Nothing has created it yet in the sample account.
      require_mfa_policy: {
        arn: `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`,
        status: 'missing',
        default_version: null,
      },
    });
    expect(json.users.find((u) => u.username === 'jane.smith')?.mfa_devices[0]?.kind).toBe('security-key');
    expect(json.users.find((u) => u.username === 'old.account')?.days_since_creation).toBe(1300);
  });

  it('raises nothing about root when AWS says root has no credentials (removed centrally), and raises it when it has', async () => {
    const withRoot = async (password: 0 | 1) => {
      emulator.proxy.setRule(({ action }) =>
        action === 'GetAccountSummary'
          ? {
              rewrite: rewriteAccountSummary({
                AccountPasswordPresent: password,
                AccountAccessKeysPresent: 0,
                AccountSigningCertificatesPresent: 0,
              }),
            }
          : undefined,
      );
      const args = ['--exclude-users', 'svc-*', '--include-users', 'jane.smith,john.doe'];
      const [json, table] = [await report(['-o', 'json', ...args]), await report(args)];
      return { json: JSON.parse(json.stdout) as MfaReport, table: table.stdout };
    };
    const none = await withRoot(0);
    expect(none.json.account).toMatchObject({ root_has_credentials: false, root_mfa_enabled: false });
    expect(none.json.summary.risk_level).toBe('low');
    expect(none.json.recommendations.join('\n')).not.toContain('root');
    expect(none.table).toMatch(/Root MFA +│ not needed: root has no password, access keys or certificates/);

    const password = await withRoot(1);
    expect(password.json.account).toMatchObject({ root_has_credentials: true, root_mfa_enabled: false });
    expect(password.json.summary.risk_level).toBe('high');
    expect(password.json.recommendations[0]).toContain(
      "AWS asks for one only at root's next console sign-in",
    );
    expect(password.table).toMatch(/Root MFA +│ NOT enabled/);
  });

  it('gives the same verdicts with --source live', async () => {
    const bulk: MfaReport = JSON.parse((await report(['-o', 'json'])).stdout);
    const live: MfaReport = JSON.parse((await report(['-o', 'json', '--source', 'live'])).stdout);
    const verdicts = (r: MfaReport) => r.users.map((u) => [u.username, u.status, u.risk, u.reasons]);
    expect(verdicts(live)).toEqual(verdicts(bulk));
    expect(live.inventory).toMatchObject({ source: 'live', users_read_live: 7 });
    expect(emulator.proxy.seen.get('GetCredentialReport')).toBe(1); // only the bulk run
  });

  it('prints the boxed report without colour or emoji when stdout is not a terminal', async () => {
    const { code, stdout } = await report(['--exclude-users', 'svc-*']);
    expect(code).toBe(0);
    for (const section of [
      'SUMMARY',
      'USERS',
      'HIGH-RISK USERS (4)',
      'ACCESS-KEY RISK (3)',
      'COMPLIANCE AGAINST TARGETS',
      'ACCOUNT',
      'RECOMMENDATIONS',
    ]) {
      expect(stdout).toContain(section);
    }
    expect(stdout).toContain('│ bob.wilson ');
    expect(stdout).toMatch(/Users compliant\s+│\s+28\.6% │\s+95% │ below/);
    expect(stdout).not.toMatch(ANSI);
    expect(stdout).not.toMatch(EMOJI);
  });

  it('uses colour and emoji on a terminal, and neither with NO_COLOR', async () => {
    const fancy = await report([], {}, true);
    expect(fancy.stdout).toMatch(ANSI);
    expect(fancy.stdout).toMatch(EMOJI);
    const noColor = await report([], { NO_COLOR: '1' }, true);
    expect(noColor.stdout).not.toMatch(ANSI);
    expect(noColor.stdout).not.toMatch(EMOJI);
  });

  it('prints CSV a standard parser reads back', async () => {
    const { stdout } = await report(['--output', 'csv']);
    const rows: Record<string, string>[] = parse(stdout, { columns: true });
    expect(rows).toHaveLength(7);
    expect(rows.find((r) => r.username === 'alice.brown')).toMatchObject({
      status: 'non-compliant',
      risk: 'high',
    });
  });

  it('saves the report in the format of the file name, and prints the table too', async () => {
    const jsonPath = join(workDir, 'mfa.json');
    const csvPath = join(workDir, 'mfa.csv');
    const first = await report(['--save-report', jsonPath]);
    const second = await report(['--output', 'json', '--save-report', csvPath]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('SUMMARY');
    expect(first.stderr).toBe(`Saved the json report to ${jsonPath}\n`);
    expect(JSON.parse(await readFile(jsonPath, 'utf8')).summary.total).toBe(7);
    expect(JSON.parse(second.stdout).summary.total).toBe(7);
    expect((await readFile(csvPath, 'utf8')).split('\r\n')[0]).toMatch(/^username,arn,status,/);
    expect((await readdir(workDir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves an earlier saved report whole when the run fails', async () => {
    const path = join(workDir, 'kept.json');
    await writeFile(path, '{"earlier":true}');
    emulator.proxy.setRule(({ action }) =>
      action === 'GetAccountSummary' ? { respond: accessDenied(action) } : undefined,
    );
    const { code } = await report(['--save-report', path]);
    expect(code).toBe(1);
    expect(await readFile(path, 'utf8')).toBe('{"earlier":true}');
  });

  describe('--save-report replaces only a regular file', () => {
    const temporaryFiles = async () => (await readdir(workDir)).filter((name) => name.endsWith('.tmp'));

    it.each([
      [
        'a symbolic link',
        async () => {
          const target = join(workDir, 'link-target.json');
          await writeFile(target, '{"kept":true}');
          const link = join(workDir, 'link.json');
          await symlink(target, link);
          return link;
        },
      ],
      [
        'a character device',
        async () => {
          // As root, a null device of the test's own: a save that wrongly renamed over it must not
          // take /dev/null from the machine. Anyone else cannot write in /dev, so /dev/null is safe.
          if (process.getuid?.() !== 0) return '/dev/null';
          const device = join(workDir, 'null-device');
          execFileSync('mknod', ['-m', '666', device, 'c', '1', '3']);
          return device;
        },
      ],
      [
        'a named pipe (FIFO)',
        async () => {
          const fifo = join(workDir, 'pipe.json');
          execFileSync('mkfifo', [fifo]);
          return fifo;
        },
      ],
    ])('refuses %s with exit 2, one line and no AWS call', async (kind, make) => {
      const path = await make();
      const before = await lstat(path);
      const { code, stdout, stderr } = await report(['--save-report', path]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `awssec: --save-report: ${path} is ${kind}, not a regular file; give the path of a regular file or of a new one\n`,
      );
      expect([...emulator.proxy.seen]).toEqual([]);
      const after = await lstat(path);
      expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
      if (kind === 'a symbolic link') {
        expect(await readFile(join(workDir, 'link-target.json'), 'utf8')).toBe('{"kept":true}');
      }
    });

    it('refuses a link that appears while the report runs, and removes its temporary file', async () => {
      const target = join(workDir, 'planted-target.txt');
      await writeFile(target, 'not yours');
      const path = join(workDir, 'late.json');
      let planted = false;
      emulator.proxy.setRule(({ action }) => {
        if (action === 'GetAccountSummary' && !planted) {
          symlinkSync(target, path);
          planted = true;
        }
        return undefined;
      });
      const { code, stderr } = await report(['--save-report', path]);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `awssec: --save-report: ${path} is a symbolic link, not a regular file; give the path of a regular file or of a new one\n`,
      );
      expect(lstatSync(path).isSymbolicLink()).toBe(true);
      expect(await readFile(target, 'utf8')).toBe('not yours');
      expect(await temporaryFiles()).toEqual([]);
    });
  });

  it('reads exclusions from a file; an exact name in --include-users overrides them, a pattern does not', async () => {
    const file = join(workDir, 'exclude.txt');
    await writeFile(file, '# service accounts\nsvc-*\n\nbob.wilson  # on leave\n');
    const excluded: MfaReport = JSON.parse((await report(['-o', 'json', '--exclude-file', file])).stdout);
    expect(excluded.users.filter((u) => u.status === 'exempted').map((u) => u.username)).toEqual([
      'bob.wilson',
      'svc-backup',
    ]);
    emulator.proxy.seen.clear();
    const included: MfaReport = JSON.parse(
      (await report(['-o', 'json', '--exclude-file', file, '--include-users', 'Bob.Wilson,new.*,svc-*']))
        .stdout,
    );
    expect(included.users.map((u) => [u.username, u.status, u.exemption_overridden])).toEqual([
      [
        'bob.wilson',
        'non-compliant',
        'exemption overridden (named by --include-users): exempted: matches exclude pattern bob.wilson',
      ],
      ['new.user', 'grace-period', null],
      ['svc-backup', 'exempted', null],
    ]);
    expect(included.users[0]?.reasons).toEqual([
      'exemption overridden (named by --include-users): exempted: matches exclude pattern bob.wilson',
      'console password without MFA',
    ]);
    expect(emulator.proxy.seen.get('ListMFADevices') ?? 0).toBe(0);
  });

  it('keeps the exemption tag under an --include-users pattern; a name or --ignore-exemptions overrides it', async () => {
    await testClients(emulator.moto.endpoint).iam.send(
      new TagUserCommand({
        UserName: 'svc-backup',
        Tags: [{ Key: 'awssec:mfa-exempt', Value: 'legacy backup job' }],
      }),
    );
    const verdict = async (args: string[]) => {
      const json: MfaReport = JSON.parse((await report(['-o', 'json', ...args])).stdout);
      return json.users.map((u) => [u.username, u.status, u.exemption_overridden]);
    };
    expect(await verdict(['--include-users', 'svc-*'])).toEqual([['svc-backup', 'exempted', null]]);
    const overridden =
      'exemption overridden (named by --include-users): exempted by tag awssec:mfa-exempt: legacy backup job';
    expect(await verdict(['--include-users', 'svc-backup'])).toEqual([
      ['svc-backup', 'non-compliant', overridden],
    ]);
    expect(await verdict(['--include-users', 'svc-*', '--ignore-exemptions'])).toEqual([
      [
        'svc-backup',
        'non-compliant',
        'exemption overridden (--ignore-exemptions): exempted by tag awssec:mfa-exempt: legacy backup job',
      ],
    ]);
    const table = await report(['--include-users', 'svc-backup']);
    expect(table.stdout.replace(/[│\s]+/g, ' ')).toContain(
      'non-compliant · HIGH exemption overridden (named by --include-users): exempted by tag awssec:mfa-exempt: legacy backup job',
    );
    const ignoring = await report(['--ignore-exemptions']);
    expect(ignoring.stdout).toContain('Exemptions: every one overridden (--ignore-exemptions)');
  });

  it('takes an exclude file of 200,000 lines, and sums up long lists in the table header', async () => {
    const file = join(workDir, 'many.txt');
    const lines = Array.from({ length: 200_000 }, (_, i) => `former-${i}`);
    lines[123_456] = 'svc-*';
    await writeFile(file, `${lines.join('\n')}\n`);
    const json: MfaReport = JSON.parse((await report(['-o', 'json', '--exclude-file', file])).stdout);
    expect(json.settings.exclude_users).toHaveLength(200_000);
    expect(json.users.find((u) => u.username === 'svc-backup')?.reasons[0]).toBe(
      'exempted: matches exclude pattern svc-*',
    );
    const table = await report([
      '--exclude-file',
      file,
      '--include-users',
      'a*,b*,c*,d*,e*,f*,g*,h*,i*,j*,k*',
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(
      'Exempted by name: 200000 names or patterns (former-0, former-1, former-2, … ; all of them in --output json)',
    );
    expect(table.stdout).toContain(
      'Only: 11 names or patterns (a*, b*, c*, … ; all of them in --output json)',
    );
    expect(table.stdout.split('\n').length).toBeLessThan(80);
  });

  it('applies --grace-period-days', async () => {
    const json: MfaReport = JSON.parse((await report(['-o', 'json', '--grace-period-days', '0'])).stdout);
    expect(json.users.find((u) => u.username === 'new.user')?.status).toBe('non-compliant');
    expect(json.settings.grace_period_days).toBe(0);
  });

  describe('refuses bad input with exit 2, one line, and no AWS call', () => {
    it.each([
      [['--outptu', 'json'], "awssec: unknown option '--outptu' (Did you mean --output?) (see --help)"],
      [
        ['--output', 'xml'],
        "awssec: option '-o, --output <format>' argument 'xml' is invalid. Allowed choices are table, json, csv, asff. (see --help)",
      ],
      [
        ['--grace-period-days', '-3'],
        "awssec: option '--grace-period-days <days>' argument '-3' is invalid. give a whole number of days from 0 to 3650. (see --help)",
      ],
      [
        ['--grace-period-days', 'seven'],
        "awssec: option '--grace-period-days <days>' argument 'seven' is invalid. give a whole number of days from 0 to 3650. (see --help)",
      ],
      [
        ['--grace-period-days', '999999999'],
        "awssec: option '--grace-period-days <days>' argument '999999999' is invalid. give a whole number of days from 0 to 3650. (see --help)",
      ],
      [
        ['--grace-period-days', '0x10'],
        "awssec: option '--grace-period-days <days>' argument '0x10' is invalid. give a whole number of days from 0 to 3650. (see --help)",
      ],
      [
        ['--report-timeout', '3601'],
        "awssec: option '--report-timeout <seconds>' argument '3601' is invalid. give a whole number of seconds from 1 to 3600. (see --help)",
      ],
      [
        ['--report-timeout', '1e2'],
        "awssec: option '--report-timeout <seconds>' argument '1e2' is invalid. give a whole number of seconds from 1 to 3600. (see --help)",
      ],
      [
        ['--include-users', ''],
        "awssec: --include-users: '' names nobody: give one or more names or patterns, or leave it out",
      ],
      [
        ['--include-users', ' '],
        "awssec: --include-users: ' ' names nobody: give one or more names or patterns, or leave it out",
      ],
      [
        ['--exclude-users', ',,,'],
        "awssec: --exclude-users: ',,,' names nobody: give one or more names or patterns, or leave it out",
      ],
      [
        ['--include-users', 'bob,'],
        "awssec: --include-users: 'bob,' has an empty item (item 2): separate names or patterns with single commas, and check that every variable in it is set",
      ],
      [
        ['--exclude-users', 'bob,,al'],
        "awssec: --exclude-users: 'bob,,al' has an empty item (item 2): separate names or patterns with single commas, and check that every variable in it is set",
      ],
      [
        ['--ignore-exemptions', '--exclude-users', 'svc-*'],
        'awssec: --ignore-exemptions and --exclude-users contradict each other: give one (--ignore-exemptions exempts nobody)',
      ],
      [
        ['--source', 'cache'],
        "awssec: option '--source <source>' argument 'cache' is invalid. Allowed choices are bulk, live, auto. (see --help)",
      ],
      [
        ['--exclude-file', '/nonexistent/exclude.txt'],
        'awssec: --exclude-file: cannot read /nonexistent/exclude.txt (ENOENT); give a readable file with one name or pattern a line',
      ],
      [
        ['--exclude-users', 'bob smith'],
        "awssec: --exclude-users: 'bob smith' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)",
      ],
      [
        ['--save-report', '/nonexistent/dir/r.json'],
        'awssec: --save-report: the directory /nonexistent/dir does not exist; create it or choose another path',
      ],
      [['extra'], "awssec: too many arguments for 'report'. Expected 0 arguments but got 1. (see --help)"],
    ])('%j', async (args, message) => {
      const { code, stdout, stderr } = await report(args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`${message}\n`);
      expect([...emulator.proxy.seen]).toEqual([]);
    });

    it.each([
      ['empty', ''],
      ['blank lines and comments only', '# nobody yet\n\n   \n# still nobody\n'],
    ])('an exclude file that names nobody (%s)', async (_, text) => {
      const file = join(workDir, 'nobody.txt');
      await writeFile(file, text);
      const { code, stdout, stderr } = await report(['--exclude-file', file]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `awssec: --exclude-file ${file}: names nobody (only blank lines or comments): give one name or pattern a line, or leave it out\n`,
      );
      expect([...emulator.proxy.seen]).toEqual([]);
    });

    it('--ignore-exemptions with --exclude-file', async () => {
      const file = join(workDir, 'some.txt');
      await writeFile(file, 'svc-*\n');
      const { code, stderr } = await report(['--exclude-file', file, '--ignore-exemptions']);
      expect(code).toBe(2);
      expect(stderr).toBe(
        'awssec: --ignore-exemptions and --exclude-file contradict each other: give one (--ignore-exemptions exempts nobody)\n',
      );
      expect([...emulator.proxy.seen]).toEqual([]);
    });

    it('an exclude file with a bad line, naming the file', async () => {
      const file = join(workDir, 'bad-exclude.txt');
      await writeFile(file, 'ok\nbad name\n');
      const { code, stderr } = await report(['--exclude-file', file]);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `awssec: --exclude-file ${file}: 'bad name' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)\n`,
      );
    });
  });

  it('exits 1 naming the refused call and its permission', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'ListVirtualMFADevices' ? { respond: accessDenied(action) } : undefined,
    );
    const { code, stdout, stderr } = await report([]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'awssec: access denied to iam:ListVirtualMFADevices: the identity running awssec needs the permission iam:ListVirtualMFADevices (awssec iam-mfa policy --operator COMMAND prints the policy each command needs)\n',
    );
  });

  it('exits 2 with the usage on stderr when no command is given', async () => {
    const captured = captureIo();
    const code = await runCli(['iam-mfa'], { io: captured.io });
    expect(code).toBe(2);
    expect(captured.stderr()).toContain('Usage: awssec iam-mfa');
    expect(existsSync(join(workDir, 'nothing'))).toBe(false);
  });
});
