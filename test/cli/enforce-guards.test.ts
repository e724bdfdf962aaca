/** The runs enforce refuses, and how it treats exemptions and break-glass users. */
import { describe, expect, it } from 'vitest';
import { ALLOWED_WITHOUT_MFA, requireMfaPolicy } from '../../lambdas/core/policies.ts';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import {
  createTamperedRequireMfa,
  swapRequireMfaDefaultVersion,
  TAMPERED_REQUIRE_MFA,
} from '../support/aws.ts';
import { POLICY_ARN, useSampleAccountCli } from '../support/sample-account-cli.ts';
import { seedUsers } from '../support/seed.ts';

const { emulator, iam, awssec, enforceJson, writes } = useSampleAccountCli();

describe('awssec iam-mfa enforce', () => {
  describe('refuses a RequireMFA that is not the canonical document (exit 1, no write)', () => {
    const statement = {
      Sid: 'DenyAllExceptListedIfNoMFA',
      Effect: 'Deny',
      NotAction: ALLOWED_WITHOUT_MFA,
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    };
    const rest = requireMfaPolicy.Statement.slice(1);
    const tampered = (change: Record<string, unknown>) => ({
      Version: '2012-10-17',
      Statement: [{ ...statement, ...change }, ...rest],
    });
    // Each of these passed the earlier check ("some Deny on MFA") and was attached.
    it.each<[string, unknown]>([
      ['an Allow of everything beside a narrow Deny', TAMPERED_REQUIRE_MFA],
      [
        'a Deny narrowed to nobody',
        tampered({
          Condition: {
            BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
            StringEquals: { 'aws:username': 'nobody' },
          },
        }),
      ],
      ['NotAction *', tampered({ NotAction: '*' })],
      ['plain Bool', tampered({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } })],
      ['NotAction iam:* and sts:*', tampered({ NotAction: ['iam:*', 'sts:*'] })],
    ])('%s', async (_name, document) => {
      await createTamperedRequireMfa(iam(), document);
      const { code, stdout, stderr } = await enforceJson(['--apply']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `awssec: the managed policy ${POLICY_ARN} (default version v1) is not the RequireMFA document this tool attaches, so it may grant instead of deny; nothing was attached. Inspect it (aws iam get-policy-version --policy-arn ${POLICY_ARN} --version-id v1), then make the canonical document its default version with awssec iam-mfa policy --repair --apply\n`,
      );
      expect(writes()).toEqual({});
    });

    it('a default version swapped after the policy was created', async () => {
      await createTamperedRequireMfa(iam(), requireMfaPolicy);
      await swapRequireMfaDefaultVersion(iam());
      const { code, stderr } = await enforceJson(['--apply']);
      expect(code).toBe(1);
      expect(stderr).toContain('(default version v2) is not the RequireMFA document this tool attaches');
      expect(writes()).toEqual({});
    });

    it("an earlier release's RequireMFA, called outdated", async () => {
      await createTamperedRequireMfa(iam(), { Version: '2012-10-17', Statement: [statement] });
      const { code, stderr } = await enforceJson([]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        `awssec: the managed policy ${POLICY_ARN} (default version v1) is an earlier release's RequireMFA, which lets a long-term access key register an MFA device; nothing was attached. Update it with awssec iam-mfa policy --repair --apply\n`,
      );
    });
  });

  describe('refuses bad input with exit 2, one line, and no AWS call', () => {
    it.each([
      [
        ['--apply', '--dry-run'],
        'awssec: --dry-run and --apply contradict each other: give one (a dry run is the default)',
      ],
      [
        ['--max-users', '0'],
        "awssec: option '--max-users <n>' argument '0' is invalid. give a whole number of users from 1 to 5000. (see --help)",
      ],
      [
        ['--max-users', 'ten'],
        "awssec: option '--max-users <n>' argument 'ten' is invalid. give a whole number of users from 1 to 5000. (see --help)",
      ],
      [
        ['--max-users', '5001'],
        "awssec: option '--max-users <n>' argument '5001' is invalid. give a whole number of users from 1 to 5000. (see --help)",
      ],
      [
        ['--max-percent', '150'],
        "awssec: option '--max-percent <p>' argument '150' is invalid. give a percentage above 0 and at most 100 (plain decimal, e.g. 12.5). (see --help)",
      ],
      [
        ['--max-percent', '-5'],
        "awssec: option '--max-percent <p>' argument '-5' is invalid. give a percentage above 0 and at most 100 (plain decimal, e.g. 12.5). (see --help)",
      ],
      [
        ['--max-percent', '0x10'],
        "awssec: option '--max-percent <p>' argument '0x10' is invalid. give a percentage above 0 and at most 100 (plain decimal, e.g. 12.5). (see --help)",
      ],
      [
        ['--max-percent', '1e1'],
        "awssec: option '--max-percent <p>' argument '1e1' is invalid. give a percentage above 0 and at most 100 (plain decimal, e.g. 12.5). (see --help)",
      ],
      [
        ['--max-percent', '1 0'],
        "awssec: option '--max-percent <p>' argument '1 0' is invalid. give a percentage above 0 and at most 100 (plain decimal, e.g. 12.5). (see --help)",
      ],
      [
        ['--grace-period-days', '999999999'],
        "awssec: option '--grace-period-days <days>' argument '999999999' is invalid. give a whole number of days from 0 to 3650. (see --help)",
      ],
      [
        ['--break-glass', 'a b'],
        "awssec: --break-glass: 'a b' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)",
      ],
      [
        ['--break-glass', ''],
        "awssec: --break-glass: '' names nobody: give one or more names or patterns, or leave it out",
      ],
      [
        ['--break-glass', 'breakglass-1,'],
        "awssec: --break-glass: 'breakglass-1,' has an empty item (item 2): separate names or patterns with single commas, and check that every variable in it is set",
      ],
      [
        ['--include-users', ''],
        "awssec: --include-users: '' names nobody: give one or more names or patterns, or leave it out",
      ],
      [
        ['--ignore-exemptions', '--exclude-users', 'svc-*'],
        'awssec: --ignore-exemptions and --exclude-users contradict each other: give one (--ignore-exemptions exempts nobody)',
      ],
    ])('enforce %j', async (args, message) => {
      const { code, stdout, stderr } = await awssec(['enforce', ...args]);
      expect(stderr).toBe(`${message}\n`);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(emulator.proxy.seen.size).toBe(0);
    });
  });
});

describe('awssec iam-mfa enforce and exemptions', () => {
  const overridden =
    'exemption overridden (named by --include-users): exempted by tag awssec:mfa-exempt: legacy batch job';

  async function seedExemptUser() {
    const [user] = await seedUsers(iam(), emulator.moto, [
      { name: 'svc-exempt', accessKeys: ['active'], tags: { 'awssec:mfa-exempt': 'legacy batch job' } },
    ]).then((map) => [...map.values()]);
    emulator.proxy.seen.clear();
    return user?.accessKeyIds[0] ?? '';
  }

  it('an --include-users pattern keeps the exemption tag: nothing planned for the exempted user', async () => {
    await seedExemptUser();
    const { code, stdout } = await awssec(['enforce', '-o', 'json', '--include-users', 'svc-*']);
    expect(code).toBe(0);
    const run = JSON.parse(stdout) as EnforcementRun;
    expect(run.users.map((u) => u.username)).toEqual(['svc-backup']);
    expect(run.summary.not_targeted.exempted).toBe(1);
    expect(run.settings.ignore_exemptions).toBe(false);
  });

  it('an exact name overrides it, and the plan says so (JSON and table)', async () => {
    const key = await seedExemptUser();
    const json = await awssec(['enforce', '-o', 'json', '--include-users', 'svc-exempt']);
    expect(json.code).toBe(0);
    const run = JSON.parse(json.stdout) as EnforcementRun;
    expect(run.users.map((u) => [u.username, u.outcome, u.actions.map((a) => a.action)])).toEqual([
      ['svc-exempt', 'planned', ['disable-access-key', 'attach-require-mfa']],
    ]);
    expect(run.users[0]?.justification).toBe(
      `${overridden}; 1 active access key without MFA; 400 days old, past the 7-day grace period`,
    );
    const table = await awssec(['enforce', '--include-users', 'svc-exempt']);
    expect(table.stdout).toContain(`disable access key ${key}`);
    // The justification column, wrapped: the row of svc-exempt starts with the override.
    expect(table.stdout).toMatch(
      /│ svc-exempt +│ no MFA +│ disable access key \S+ +│ exemption overridden \(named by +│/,
    );
    expect(writes()).toEqual({});
  });

  it('--ignore-exemptions overrides it for every user in scope, and the header says so', async () => {
    await seedExemptUser();
    const { code, stdout } = await awssec(['enforce', '--include-users', 'svc-*', '--ignore-exemptions']);
    expect(code).toBe(0);
    expect(stdout).toContain('Exemptions: every one overridden (--ignore-exemptions)');
    expect(stdout).toContain('PLAN (2 USERS)');
    expect(stdout).toMatch(/│ svc-exempt +│ no MFA +│ disable access key \S+ +│ exemption overridden +│/);
    expect(stdout).toMatch(/│ +│ [^│]+│ [^│]+│ \(--ignore-exemptions\): exempted by tag +│/);
  });

  it('a break-glass user is never acted on, even named exactly in --include-users', async () => {
    await seedExemptUser();
    const { run } = await enforceJson(['--include-users', 'svc-exempt', '--break-glass', 'svc-e*']);
    expect(run.users.map((u) => [u.username, u.outcome, u.justification])).toEqual([
      ['svc-exempt', 'protected', 'break-glass user (svc-e*): never acted on'],
    ]);
  });

  it('sums up a long break-glass list in the table header', async () => {
    const names = Array.from({ length: 4000 }, (_, i) => `breakglass-${i}`);
    const { code, stdout } = await awssec(['enforce', '--break-glass', names.join(',')]);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'Break-glass: 4000 names or patterns (breakglass-0, breakglass-1, breakglass-2, … ; all of them in --output json)',
    );
  });
});
