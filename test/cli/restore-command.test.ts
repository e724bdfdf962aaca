import { CreateAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { actionsOf, ENFORCE_PERMISSIONS, RESTORE_PERMISSIONS } from '../../lambdas/core/permissions.ts';
import type { RestoreRun } from '../../lambdas/use-cases/restore-user.ts';
import { TEST_ACCOUNT_ID } from '../support/aws.ts';
import { useSampleAccountCli } from '../support/sample-account-cli.ts';
import { useAccessKey } from '../support/seed.ts';

const { emulator, iam, keyOf, awssec, enforceJson, writes, keyStatuses, attached, tags } =
  useSampleAccountCli();

describe('awssec iam-mfa restore', () => {
  it('undoes what enforce did: keys back on, policy detached, tags gone', async () => {
    await enforceJson(['--apply']);
    const plan = await awssec(['restore', '--user', 'old.account', '-o', 'json']);
    expect(plan.code).toBe(0);
    const planned: RestoreRun = JSON.parse(plan.stdout);
    expect(planned.outcome).toBe('planned');
    expect(await attached('old.account')).toEqual(['RequireMFA']);

    emulator.proxy.seen.clear();
    const { code, stdout } = await awssec(['restore', '--user', 'old.account', '--apply']);
    expect(code).toBe(0);
    expect(stdout).toContain('Restore old.account');
    expect(stdout).toContain('old.account still has no MFA device');
    expect(await keyStatuses('old.account')).toEqual(
      [`${keyOf('old.account', 0)}:Active`, `${keyOf('old.account', 1)}:Inactive`].sort(),
    );
    expect(await attached('old.account')).toEqual([]);
    expect(Object.keys(await tags('old.account')).filter((key) => key.startsWith('awssec:'))).toEqual([]);
    expect(writes()).toEqual({ UpdateAccessKey: 1, DetachUserPolicy: 1, UntagUser: 1 });
  });

  it('says plainly that a deleted password cannot be restored', async () => {
    await enforceJson(['--apply', '--disable-console-access']);
    const { stdout } = await awssec(['restore', '--user', 'bob.wilson', '--apply', '-o', 'json']);
    const run: RestoreRun = JSON.parse(stdout);
    expect(run.outcome).toBe('restored');
    expect(run.cannot_restore).toEqual([
      expect.stringMatching(
        /^the console password deleted at .*: AWS keeps no copy; set a new one with aws iam create-login-profile --user-name bob\.wilson --password-reset-required --password …$/,
      ),
    ]);
  });

  it('leaves disabled a key somebody re-enabled, used and disabled again, and says why', async () => {
    await enforceJson(['--apply']);
    const reused = keyOf('alice.brown');
    await emulator.moto.setClockOffset(600); // ten minutes later
    try {
      await iam().send(
        new UpdateAccessKeyCommand({ UserName: 'alice.brown', AccessKeyId: reused, Status: 'Active' }),
      );
      await useAccessKey(emulator.moto.endpoint, reused);
      await iam().send(
        new UpdateAccessKeyCommand({ UserName: 'alice.brown', AccessKeyId: reused, Status: 'Inactive' }),
      );
    } finally {
      await emulator.moto.setClockOffset(0);
    }
    emulator.proxy.seen.clear();
    const { code, stdout } = await awssec(['restore', '--user', 'alice.brown', '--apply', '-o', 'json']);
    expect(code).toBe(0);
    const run: RestoreRun = JSON.parse(stdout);
    expect(run.keys).toEqual([
      {
        access_key_id: reused,
        disabled_at: expect.any(String),
        state: 'inactive',
        verdict: 'skip',
        why: expect.stringMatching(
          /^used at .*, after enforcement disabled it: somebody re-enabled it since/,
        ),
      },
    ]);
    expect(await keyStatuses('alice.brown')).toEqual([`${reused}:Inactive`]);
    expect(writes()).toEqual({ DetachUserPolicy: 1, UntagUser: 1 });
  });

  it('restores only the keys given with --key, and names every key in the dry run', async () => {
    await iam().send(new CreateAccessKeyCommand({ UserName: 'alice.brown' }));
    await enforceJson(['--apply']);
    const [first, second] = (await keyStatuses('alice.brown')).map((entry) => entry.split(':')[0] ?? '');
    const plan = await awssec(['restore', '--user', 'alice.brown', '--key', second ?? '']);
    expect(plan.stdout).toContain(`${first}`);
    expect(plan.stdout).toContain('skip: not selected (--key)');
    expect(plan.stdout).toContain('re-enable');
    emulator.proxy.seen.clear();
    const { code } = await awssec(['restore', '--user', 'alice.brown', '--key', second ?? '', '--apply']);
    expect(code).toBe(0);
    expect(await keyStatuses('alice.brown')).toEqual([`${first}:Inactive`, `${second}:Active`].sort());
    expect(await attached('alice.brown')).toEqual(['RequireMFA']);
    expect((await tags('alice.brown'))['awssec:mfa-disabled-keys']).toMatch(new RegExp(`^${first}@\\S+$`));
    expect(writes()).toEqual({ UpdateAccessKey: 1, TagUser: 1 });
    // The rest, later: the record now names only the first key.
    await awssec(['restore', '--user', 'alice.brown', '--apply']);
    expect(await keyStatuses('alice.brown')).toEqual([`${first}:Active`, `${second}:Active`].sort());
    expect(await attached('alice.brown')).toEqual([]);
  });

  it('does not claim enforce would act again on a user left with no way in', async () => {
    // bob.wilson's only credential was the console password, which enforce deleted.
    await enforceJson(['--apply', '--disable-console-access', '--include-users', 'bob.wilson']);
    const plan = await awssec(['restore', '--user', 'bob.wilson', '-o', 'json']);
    expect(plan.code).toBe(0);
    const planned: RestoreRun = JSON.parse(plan.stdout);
    expect(planned.actions.map((a) => a.action)).toEqual(['detach-require-mfa', 'remove-enforcement-tags']);
    expect(planned.cannot_restore).toHaveLength(1);
    expect(planned.notes).toEqual([]);
    const { code, stdout } = await awssec(['restore', '--user', 'bob.wilson', '--apply']);
    expect(code).toBe(0);
    expect(stdout).toContain('APPLIED');
    expect(stdout).not.toContain('the next enforce acts on them again');
    expect(await attached('bob.wilson')).toEqual([]);
  });

  it('has nothing to restore on a user enforce never touched', async () => {
    const { code, stdout } = await awssec(['restore', '--user', 'john.doe', '--apply']);
    expect(code).toBe(0);
    expect(stdout).toContain('nothing to restore');
    expect(writes()).toEqual({});
  });

  it.each([
    [
      ['--user', 'nobody'],
      `awssec: no IAM user named nobody in account ${TEST_ACCOUNT_ID}; check the name (awssec iam-mfa report lists them)`,
    ],
    [[], "awssec: required option '--user <name>' not specified (see --help)"],
    [['--user', 'bob.*'], "awssec: user: give one user name, not a pattern (got 'bob.*')"],
    [
      ['--user', 'bob smith'],
      "awssec: user: 'bob smith' is not an IAM user name (letters, digits and + = , . @ _ -, at most 64)",
    ],
    [
      ['--user', 'bob', '--apply', '--dry-run'],
      'awssec: --dry-run and --apply contradict each other: give one (a dry run is the default)',
    ],
    [
      ['--user', 'bob.wilson', '--key', 'akia-not-a-key'],
      "awssec: key: 'akia-not-a-key' is not an access key id (upper-case letters and digits, like AKIAIOSFODNN7EXAMPLE)",
    ],
    [
      ['--user', 'bob.wilson', '--key', 'AKIANOTRECORDED00000', '--apply'],
      'awssec: --key AKIANOTRECORDED00000: enforcement did not disable this key of bob.wilson (it disabled none); see awssec iam-mfa restore --user bob.wilson',
    ],
  ])('refuses %j with exit 2', async (args, message) => {
    const { code, stderr } = await awssec(['restore', ...args]);
    expect(stderr).toBe(`${message}\n`);
    expect(code).toBe(2);
    expect(writes()).toEqual({});
  });
});

describe('permissions', () => {
  const iamActionsSeen = () =>
    [...emulator.proxy.seen.keys()]
      .filter((action) => action !== 'GetCallerIdentity')
      .map((action) => `iam:${action}`)
      .sort();

  it('enforce and restore call exactly the actions the README lists', async () => {
    await enforceJson(['--apply', '--disable-console-access']);
    await enforceJson(['--apply', '--include-users', 'new.user', '--grace-period-days', '0']); // RequireMFA exists now
    expect(iamActionsSeen()).toEqual(actionsOf(ENFORCE_PERMISSIONS).sort());
    emulator.proxy.seen.clear();
    await awssec(['restore', '--user', 'old.account', '--apply']);
    const restoreCalls = new Set(iamActionsSeen());
    // A partial restore (--key) keeps the record of the other key: alice.brown gets two keys disabled.
    await iam().send(new CreateAccessKeyCommand({ UserName: 'alice.brown' }));
    await enforceJson(['--apply', '--include-users', 'alice.brown']);
    emulator.proxy.seen.clear();
    await awssec(['restore', '--user', 'alice.brown', '--key', keyOf('alice.brown'), '--apply']);
    for (const action of iamActionsSeen()) restoreCalls.add(action);
    expect([...restoreCalls].sort()).toEqual(actionsOf(RESTORE_PERMISSIONS).sort());
  });
});
