/**
 * `enforce --org` on a moto organization of three accounts: plans in every
 * account, guards over each account and over the organization, and acts in
 * the members through the role assumed there.
 */
import { ListAccessKeysCommand, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { ENFORCE_PERMISSIONS, ORGANIZATION_PERMISSIONS } from '../../lambdas/core/permissions.ts';
import type { OrgEnforcementRun } from '../../lambdas/use-cases/enforce-org-mfa-compliance.ts';
import { testClientSettings, testClients } from '../support/aws.ts';
import { awsErrorXml } from '../support/aws-proxy.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import {
  memberIam,
  type SampleOrganization,
  seedSampleOrganization,
} from '../support/sample-organization.ts';

let org: SampleOrganization;
const emulator = useMoto(
  async (moto) => {
    org = await seedSampleOrganization(moto);
  },
  { reseedOnlyAfterChanges: true },
);

const IAM_WRITES = ['UpdateAccessKey', 'AttachUserPolicy', 'CreatePolicy', 'DeleteLoginProfile', 'TagUser'];
const writes = () => IAM_WRITES.filter((action) => emulator.proxy.seen.has(action));

const enforce = (args: string[]) =>
  runAwssec(
    ['iam-mfa', 'enforce', '--org', '--exclude-users', 'svc-*', ...args],
    testClientSettings(emulator.proxy.endpoint),
  );
const json = async (args: string[] = []) => {
  const run = await enforce(['-o', 'json', ...args]);
  return { ...run, run: run.stdout === '' ? undefined : (JSON.parse(run.stdout) as OrgEnforcementRun) };
};

/** The IAM client acting in an account of the organization (the management account's own, or a member's). */
const iamIn = (accountId: string) =>
  accountId === org.management
    ? Promise.resolve(testClients(emulator.moto.endpoint).iam)
    : memberIam(emulator.moto.endpoint, accountId);

async function keyStatus(accountId: string, userName: string): Promise<string[]> {
  const { AccessKeyMetadata } = await (await iamIn(accountId)).send(
    new ListAccessKeysCommand({ UserName: userName }),
  );
  return (AccessKeyMetadata ?? []).map((key) => key.Status ?? '');
}

async function attached(accountId: string, userName: string): Promise<string[]> {
  const { AttachedPolicies } = await (await iamIn(accountId)).send(
    new ListAttachedUserPoliciesCommand({ UserName: userName }),
  );
  return (AttachedPolicies ?? []).map((policy) => policy.PolicyArn ?? '');
}

describe('awssec iam-mfa enforce --org', () => {
  it('plans in every account through the enforce role, holds the guard over the organization, and changes nothing', async () => {
    const { code, stderr, run } = await json();
    expect([code, stderr]).toEqual([0, '']);
    expect(run?.dry_run).toBe(true);
    expect(run?.guard).toEqual({
      targets: 5,
      users_in_organization: 12,
      max_users: 10,
      max_percent: 50,
      force: false,
      exceeded: null,
      accounts_exceeded: [],
    });
    const planned = (id: string) =>
      run?.accounts
        .find((a) => a.account_id === id)
        ?.run?.users.filter((u) => u.outcome === 'planned')
        .map((u) => u.username)
        .sort();
    expect(planned(org.management)).toEqual(['alice.brown', 'bob.wilson', 'old.account']);
    expect(planned(org.dev)).toEqual(['dev.alice']);
    expect(planned(org.prod)).toEqual(['deploy-bot']);
    expect(run?.summary).toMatchObject({ accounts: 3, accounts_not_assessed: 0, by_outcome: { planned: 5 } });
    const assumed = emulator.proxy.forwarded
      .filter((r) => r.action === 'AssumeRole')
      .map((r) => r.params.get('RoleArn'));
    expect([...new Set(assumed)].sort()).toEqual(
      [org.dev, org.prod].map((id) => `arn:aws:iam::${id}:role/AwssecIamMfaEnforce`).sort(),
    );
    expect(writes()).toEqual([]);
    const listed = [...ENFORCE_PERMISSIONS, ...ORGANIZATION_PERMISSIONS].map((p) => p.action.split(':')[1]);
    expect(
      [...emulator.proxy.seen.keys()].filter((a) => a !== 'GetCallerIdentity' && !listed.includes(a)),
    ).toEqual([]);
  });

  it('acts in every account with --apply, each through its own role', async () => {
    const { code, run } = await json(['--apply']);
    expect(code).toBe(0);
    expect(run?.summary.by_outcome).toMatchObject({ enforced: 5 });
    expect(run?.accounts.map((a) => a.status)).toEqual(['applied', 'applied', 'applied']);
    expect(await keyStatus(org.prod, 'deploy-bot')).toEqual(['Inactive']);
    expect(await attached(org.dev, 'dev.alice')).toEqual([`arn:aws:iam::${org.dev}:policy/RequireMFA`]);
    expect(await keyStatus(org.management, 'alice.brown')).toEqual(['Inactive']);
    // Each account's own users only: prod's compliant admin and dev's compliant user are untouched.
    expect(await attached(org.dev, 'dev.bob')).toEqual([]);
  });

  it('refuses --apply above --max-users over the organization, though each account is within it, changing nothing anywhere', async () => {
    const { code, stdout, stderr } = await enforce(['--apply', '--max-users', '4']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      'awssec: refused: over the organization, this run would act on 5 users: more than --max-users 4; nothing was changed in any account. Review the plan (the same command without --apply), then raise the limit or add --force\n',
    );
    expect(writes()).toEqual([]);
    expect(await keyStatus(org.prod, 'deploy-bot')).toEqual(['Active']);
  });

  it('refuses --apply when one account is above its own --max-percent', async () => {
    // dev: 1 of 2 users is 50%: above 40.
    const { code, stderr } = await enforce(['--apply', '--max-percent', '45']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      `account ${org.dev}: this run would act on 1 user: 50.0% of the account's 2 users, above --max-percent 45`,
    );
    expect(writes()).toEqual([]);
  });

  it('refuses --apply when an account cannot be planned; a dry run reports it and exits 1', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'AssumeRole' && params.get('RoleArn')?.includes(org.prod)
        ? {
            respond: {
              status: 403,
              body: awsErrorXml(
                'AccessDenied',
                `User: arn:aws:iam::123456789012:user/operator is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${org.prod}:role/AwssecIamMfaEnforce`,
              ),
            },
          }
        : undefined,
    );
    const applied = await enforce(['--apply']);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toMatch(
      new RegExp(
        `^awssec: refused: account ${org.prod} could not be planned \\(access denied to sts:AssumeRole.*\\); nothing was changed in any account`,
      ),
    );
    expect(writes()).toEqual([]);

    const planned = await json();
    expect(planned.code).toBe(1);
    expect(planned.run?.accounts[0]).toMatchObject({
      account_id: org.prod,
      status: 'not-assessed',
      run: null,
    });
    expect(planned.stderr).toMatch(
      new RegExp(`^awssec: account ${org.prod} was not planned: access denied to sts:AssumeRole`),
    );
  });

  it('prints the organization, then each account’s plan; CSV rows lead with the account', async () => {
    const { stdout } = await enforce([]);
    expect(stdout).toContain(
      'IAM MFA enforcement · organization, from account 123456789012 · DRY RUN: nothing was changed',
    );
    expect(stdout).toContain(
      'Blast radius over the organization: 5 of 12 users (41.7%), within --max-users 10 and --max-percent 50',
    );
    expect(stdout).toContain(`ACCOUNT ${org.prod} (PROD)`);
    const csv: Record<string, string>[] = parse((await enforce(['-o', 'csv'])).stdout, { columns: true });
    expect(Object.keys(csv[0] ?? {}).slice(0, 3)).toEqual(['account_id', 'account_name', 'username']);
    expect(
      csv.filter((row) => row.username === 'deploy-bot').map((row) => [row.account_id, row.action]),
    ).toEqual([
      [org.prod, 'disable-access-key'],
      [org.prod, 'attach-require-mfa'],
    ]);
  });

  it.each([
    [
      ['--enforce-role-name', 'a/b'],
      "--enforce-role-name: 'a/b' is not an IAM role name (letters, digits and +=,.@_-, up to 64)",
    ],
    [['--accounts', '1'], "--accounts: '1' is not a 12-digit AWS account id"],
  ])('refuses %j with exit 2 and no AWS call', async (args, message) => {
    const { code, stderr } = await enforce(args);
    expect([code, stderr]).toEqual([2, `awssec: ${message}\n`]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('refuses the organization options without --org', async () => {
    const run = await runAwssec(
      ['iam-mfa', 'enforce', '--enforce-role-name', 'Enforcer'],
      testClientSettings(emulator.proxy.endpoint),
    );
    expect([run.code, run.stderr]).toEqual([
      2,
      'awssec: --enforce-role-name goes with --org: awssec iam-mfa enforce --org --enforce-role-name …\n',
    ]);
  });
});
