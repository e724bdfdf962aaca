import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { TEST_ACCOUNT_ID, testClientSettings } from '../support/aws.ts';
import { accessDenied, awsErrorXml } from '../support/aws-proxy.ts';
import { POLICY_ARN, useSampleAccountCli } from '../support/sample-account-cli.ts';

const {
  emulator,
  keyOf,
  awssec,
  enforceJson,
  writes,
  keyStatuses,
  attached,
  tags,
  freezeCredentialReport,
  seedMfa,
} = useSampleAccountCli();

describe('awssec iam-mfa enforce', () => {
  it('plans without changing anything by default', async () => {
    const { code, run } = await enforceJson([]);
    expect(code).toBe(0);
    expect(writes()).toEqual({});
    expect(run.dry_run).toBe(true);
    expect(
      run.users.map((u) => [
        u.username,
        u.outcome,
        u.actions.map((a) => `${a.action} ${a.access_key_id ?? ''}`.trim()),
      ]),
    ).toEqual([
      ['alice.brown', 'planned', [`disable-access-key ${keyOf('alice.brown')}`, 'attach-require-mfa']],
      ['bob.wilson', 'planned', ['attach-require-mfa']],
      ['old.account', 'planned', [`disable-access-key ${keyOf('old.account')}`, 'attach-require-mfa']],
    ]);
    expect(run.summary.not_targeted).toEqual({ compliant: 2, exempted: 1, 'grace-period': 1 });
    expect(run.policy).toEqual({ name: 'RequireMFA', arn: POLICY_ARN, state: 'missing' });
    expect(run.users[1]?.justification).toBe(
      'console password without MFA; 412 days old, past the 7-day grace period',
    );
  });

  it('prints the plan as a table with totals and impact', async () => {
    const { code, stdout } = await awssec([
      'enforce',
      '--exclude-users',
      'svc-*',
      '--disable-console-access',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('DRY RUN: nothing was changed');
    expect(stdout).toContain('PLAN (3 USERS)');
    expect(stdout).toMatch(
      /│ bob\.wilson\s+│ no MFA\s+│ attach RequireMFA\s+│ console password without MFA;/,
    );
    expect(stdout).toMatch(/│ disable access key\s+│\s+2 │/);
    expect(stdout).toMatch(/│ delete console password\s+│\s+2 │/);
    expect(stdout).toContain('Run the same command with --apply to carry this out.');
    expect(writes()).toEqual({});
  });

  it('with --apply disables exactly the right keys, attaches RequireMFA, tags the users, and touches nobody else', async () => {
    const { code, run } = await enforceJson(['--apply']);
    expect(code).toBe(0);
    expect(run.users.map((u) => [u.username, u.outcome])).toEqual([
      ['alice.brown', 'enforced'],
      ['bob.wilson', 'enforced'],
      ['old.account', 'enforced'],
    ]);
    expect(run.policy.state).toBe('created');
    expect(await keyStatuses('alice.brown')).toEqual([`${keyOf('alice.brown')}:Inactive`]);
    expect(await keyStatuses('old.account')).toEqual(
      [`${keyOf('old.account', 0)}:Inactive`, `${keyOf('old.account', 1)}:Inactive`].sort(),
    );
    for (const user of ['alice.brown', 'bob.wilson', 'old.account']) {
      expect(await attached(user)).toEqual(['RequireMFA']);
    }
    expect(await tags('old.account')).toMatchObject({
      'awssec:mfa-enforced-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'awssec:mfa-disabled-keys': expect.stringMatching(
        new RegExp(`^${keyOf('old.account', 0)}@\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
      ),
      'awssec:mfa-policy-attached-at': expect.any(String),
    });
    // Compliant, exempted and grace-period users: no key, policy or tag change.
    for (const user of ['john.doe', 'jane.smith', 'svc-backup', 'new.user']) {
      expect(await attached(user)).toEqual([]);
      expect(Object.keys(await tags(user)).filter((key) => key.startsWith('awssec:'))).toEqual([]);
    }
    expect(await keyStatuses('svc-backup')).toEqual([`${keyOf('svc-backup')}:Active`]);
    expect(await keyStatuses('john.doe')).toEqual([`${keyOf('john.doe')}:Active`]);
    expect(writes()).toEqual({ CreatePolicy: 1, TagUser: 3, UpdateAccessKey: 2, AttachUserPolicy: 3 });
  });

  it('makes no write call when run again right after', async () => {
    // AWS serves the same credential report for up to four hours, so the second run sees the old one.
    await freezeCredentialReport();
    await enforceJson(['--apply', '--disable-console-access']);
    emulator.proxy.seen.clear();
    const { code, run } = await enforceJson(['--apply', '--disable-console-access']);
    expect(code).toBe(0);
    expect(writes()).toEqual({});
    // Keys off and password gone: nothing left to sign in with, so the live check finds them compliant.
    expect(run.users.map((u) => [u.username, u.outcome, u.justification])).toEqual([
      ['alice.brown', 'changed-since-report', 'now compliant: no console password and no active access key'],
      ['bob.wilson', 'changed-since-report', 'now compliant: no console password and no active access key'],
      ['old.account', 'changed-since-report', 'now compliant: no console password and no active access key'],
    ]);
  });

  it('finds a user whose keys are off but whose password stays already enforced', async () => {
    await freezeCredentialReport();
    await enforceJson(['--apply']);
    emulator.proxy.seen.clear();
    const { run } = await enforceJson(['--apply']);
    expect(writes()).toEqual({});
    expect(run.users.find((u) => u.username === 'bob.wilson')?.outcome).toBe('already-enforced');
  });

  it('never acts on break-glass users or on the identity running it', async () => {
    // Run as old.account itself, signing with its active key: moto's GetCallerIdentity tells who signed.
    const runner = testClientSettings(emulator.proxy.endpoint);
    const asOldAccount = {
      ...runner,
      credentials: { accessKeyId: keyOf('old.account', 0), secretAccessKey: 'any' },
    };
    const { code, stdout } = await awssec(
      ['enforce', '-o', 'json', '--apply', '--exclude-users', 'svc-*', '--break-glass', 'bob.*'],
      asOldAccount,
    );
    expect(code).toBe(0);
    const run: EnforcementRun = JSON.parse(stdout);
    expect(run.caller_arn).toBe(`arn:aws:iam::${TEST_ACCOUNT_ID}:user/old.account`);
    expect(run.users.map((u) => [u.username, u.outcome])).toEqual([
      ['alice.brown', 'enforced'],
      ['bob.wilson', 'protected'],
      ['old.account', 'protected'],
    ]);
    expect(await attached('bob.wilson')).toEqual([]);
    expect(await attached('old.account')).toEqual([]);
    expect(await keyStatuses('old.account')).toContain(`${keyOf('old.account', 0)}:Active`);
  });

  it('refuses a run above the caps with exit 2, changing nothing, unless --force', async () => {
    const refused = await enforceJson(['--apply', '--max-users', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'awssec: refused: this run would act on 3 users: more than --max-users 2; nothing was changed. Review the plan (the same command without --apply), then raise the limit or add --force\n',
    );
    const byPercent = await enforceJson(['--apply', '--max-percent', '40']);
    expect(byPercent.code).toBe(2);
    expect(byPercent.stderr).toContain("42.9% of the account's 7 users, above --max-percent 40");
    expect(writes()).toEqual({});

    const dryRun = await enforceJson(['--max-users', '2']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.run.guard.exceeded).toBe('this run would act on 3 users: more than --max-users 2');

    const forced = await enforceJson(['--apply', '--max-users', '2', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.run.users.every((u) => u.outcome === 'enforced')).toBe(true);
  });

  it('counts only users with something left to do against the caps', async () => {
    // Enforced users who keep their password stay non-compliant; they must not block later runs.
    await enforceJson(['--apply']);
    emulator.proxy.seen.clear();
    const { code, run } = await enforceJson(['--apply', '--max-users', '1']);
    expect(code).toBe(0);
    expect(run.users.map((u) => [u.username, u.outcome])).toEqual([
      ['bob.wilson', 'already-enforced'],
      ['old.account', 'already-enforced'],
    ]);
    expect(run.guard).toMatchObject({ targets: 0, exceeded: null });
    expect(writes()).toEqual({});
  });

  it('reports a user deleted since the report and goes on', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'GetUser' && params.get('UserName') === 'bob.wilson'
        ? {
            respond: {
              status: 404,
              body: awsErrorXml('NoSuchEntity', 'The user with name bob.wilson cannot be found.'),
            },
          }
        : undefined,
    );
    const { code, run } = await enforceJson(['--apply']);
    expect(code).toBe(0);
    expect(run.users.map((u) => [u.username, u.outcome])).toEqual([
      ['alice.brown', 'enforced'],
      ['bob.wilson', 'deleted'],
      ['old.account', 'enforced'],
    ]);
  });

  it('reports an action AWS refused, with the permission, goes on, and exits 1', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'AttachUserPolicy' && params.get('UserName') === 'alice.brown'
        ? { respond: accessDenied(action) }
        : undefined,
    );
    const { code, run } = await enforceJson(['--apply']);
    expect(code).toBe(1);
    const alice = run.users.find((u) => u.username === 'alice.brown');
    expect(alice?.outcome).toBe('failed');
    expect(alice?.actions.map((a) => [a.action, a.result])).toEqual([
      ['disable-access-key', 'done'],
      ['attach-require-mfa', 'failed'],
    ]);
    expect(alice?.actions[1]?.error).toContain('needs the permission iam:AttachUserPolicy');
    expect(run.users.filter((u) => u.outcome === 'enforced').map((u) => u.username)).toEqual([
      'bob.wilson',
      'old.account',
    ]);
  });

  it('does not act on a user it cannot record the change on', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'TagUser' && params.get('UserName') === 'alice.brown'
        ? { respond: accessDenied(action) }
        : undefined,
    );
    const { code, run } = await enforceJson(['--apply']);
    expect(code).toBe(1);
    expect(run.users.find((u) => u.username === 'alice.brown')?.actions.map((a) => a.result)).toEqual([
      'failed',
      'not-run',
      'not-run',
    ]);
    expect(await keyStatuses('alice.brown')).toEqual([`${keyOf('alice.brown')}:Active`]);
  });

  it('leaves a user alone who registered MFA after the report', async () => {
    // The credential report still says bob.wilson has no MFA.
    await freezeCredentialReport();
    await seedMfa('bob.wilson');
    const { run } = await enforceJson(['--apply']);
    const bob = run.users.find((u) => u.username === 'bob.wilson');
    expect(bob?.outcome).toBe('changed-since-report');
    expect(bob?.justification).toBe('now compliant: MFA: hardware TOTP token');
    expect(await attached('bob.wilson')).toEqual([]);
  });

  it('prints one CSV row per action', async () => {
    const { stdout } = await awssec(['enforce', '-o', 'csv', '--exclude-users', 'svc-*']);
    const rows: Record<string, string>[] = parse(stdout, { columns: true });
    expect(rows.map((r) => [r.username, r.action, r.result])).toEqual([
      ['alice.brown', 'disable-access-key', 'planned'],
      ['alice.brown', 'attach-require-mfa', 'planned'],
      ['bob.wilson', 'attach-require-mfa', 'planned'],
      ['old.account', 'disable-access-key', 'planned'],
      ['old.account', 'attach-require-mfa', 'planned'],
    ]);
  });
});
