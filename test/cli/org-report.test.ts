/**
 * `report --org` on a moto organization of three accounts: moto implements
 * Organizations, and a call made with the credentials AssumeRole returns
 * acts in the member account.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OrgMfaReport } from '../../lambdas/core/org-report.ts';
import { BULK_REPORT_PERMISSIONS, ORGANIZATION_PERMISSIONS } from '../../lambdas/core/permissions.ts';
import { testClientSettings } from '../support/aws.ts';
import { accessDenied, awsErrorXml } from '../support/aws-proxy.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import { type SampleOrganization, seedSampleOrganization } from '../support/sample-organization.ts';

let org: SampleOrganization;
const emulator = useMoto(
  async (moto) => {
    org = await seedSampleOrganization(moto);
  },
  { reseedOnlyAfterChanges: true },
);

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'awssec-org-'));
});

const report = (args: string[]) =>
  runAwssec(
    ['iam-mfa', 'report', '--org', '--exclude-users', 'svc-*', ...args],
    testClientSettings(emulator.proxy.endpoint),
  );
const json = async (args: string[] = []) => {
  const run = await report(['-o', 'json', ...args]);
  return { ...run, report: JSON.parse(run.stdout) as OrgMfaReport };
};

/** Which role each AssumeRole asked for, in order. */
const assumed = () =>
  emulator.proxy.forwarded.filter((r) => r.action === 'AssumeRole').map((r) => r.params.get('RoleArn'));

describe('awssec iam-mfa report --org', () => {
  it('reads every account, the caller’s own with its own credentials and each member through its role', async () => {
    const { code, stderr, report: r } = await json();
    expect([code, stderr]).toEqual([0, '']);
    expect(assumed().sort()).toEqual(
      [org.dev, org.prod].map((id) => `arn:aws:iam::${id}:role/AwssecIamMfaAudit`).sort(),
    );
    const byId = new Map(r.accounts.map((a) => [a.account_id, a]));
    expect(byId.get(org.management)).toMatchObject({
      account_name: 'master',
      status: 'assessed',
      reason: null,
      summary: { total: 7, compliant: 2, 'non-compliant': 3, 'grace-period': 1, exempted: 1 },
    });
    expect(byId.get(org.dev)).toMatchObject({
      account_name: 'dev',
      status: 'assessed',
      summary: { total: 2, compliant: 1, 'non-compliant': 1, compliance_percent: 50, risk_level: 'high' },
    });
    expect(byId.get(org.prod)).toMatchObject({
      account_name: 'prod',
      status: 'assessed',
      summary: { total: 3, compliant: 1, 'non-compliant': 1, 'grace-period': 1 },
    });
    // Each user is the account's own: the members' users are nowhere else.
    const users = (id: string) =>
      r.users
        .filter((u) => u.account_id === id)
        .map((u) => [u.username, u.status])
        .sort();
    expect(users(org.dev)).toEqual([
      ['dev.alice', 'non-compliant'],
      ['dev.bob', 'compliant'],
    ]);
    expect(users(org.prod)).toEqual([
      ['deploy-bot', 'non-compliant'],
      ['prod.admin', 'compliant'],
      ['prod.new', 'grace-period'],
    ]);
    expect(r.users.find((u) => u.username === 'dev.alice')?.arn).toBe(
      `arn:aws:iam::${org.dev}:user/dev.alice`,
    );
    expect(r.summary).toMatchObject({
      accounts: 3,
      accounts_assessed: 3,
      accounts_not_assessed: 0,
      total: 12,
      compliant: 4,
      'non-compliant': 5,
      'grace-period': 2,
      exempted: 1,
      compliance_percent: 33.3,
      risk_level: 'high',
    });
    expect(r.caller_account_id).toBe(org.management);
    // What the run called is what the permission lists name: the report's reads, and the organization's two.
    const listed = [...BULK_REPORT_PERMISSIONS, ...ORGANIZATION_PERMISSIONS].map(
      (p) => p.action.split(':')[1],
    );
    expect(
      [...emulator.proxy.seen.keys()].filter((a) => a !== 'GetCallerIdentity' && !listed.includes(a)),
    ).toEqual([]);
    expect(emulator.proxy.seen.get('ListAccounts')).toBe(1);
    expect(r.settings).toMatchObject({
      role_name: 'AwssecIamMfaAudit',
      accounts: [],
      account_concurrency: 8,
    });
  });

  it('prints a table of the accounts, then the users with their account', async () => {
    const { code, stdout } = await report([]);
    expect(code).toBe(0);
    expect(stdout).toContain('IAM MFA compliance report · organization, from account 123456789012');
    expect(stdout).toContain('Accounts: 3 of 3 assessed, through the role AwssecIamMfaAudit');
    expect(stdout).toMatch(new RegExp(`│ ${org.dev} +│ dev +│ +2 │ +1 │ +50\\.0% │ HIGH +│`));
    expect(stdout).toContain('Organization: 12 users · 5 non-compliant · compliance 33.3% · risk HIGH');
    expect(stdout).toMatch(new RegExp(`│ ${org.prod} +│ deploy-bot +│`));
  });

  it('writes CSV with the account first', async () => {
    const { stdout } = await report(['-o', 'csv']);
    const rows: Record<string, string>[] = parse(stdout, { columns: true });
    expect(Object.keys(rows[0] ?? {}).slice(0, 3)).toEqual(['account_id', 'account_name', 'username']);
    expect(rows.filter((row) => row.account_id === org.prod).map((row) => row.username)).toEqual([
      'deploy-bot',
      'prod.new',
      'prod.admin',
    ]);
  });

  it('reports an account whose role cannot be assumed as not assessed, goes on, and exits 1', async () => {
    emulator.proxy.setRule(({ action, params }) =>
      action === 'AssumeRole' && params.get('RoleArn')?.includes(org.prod)
        ? {
            respond: {
              status: 403,
              body: awsErrorXml(
                'AccessDenied',
                `User: arn:aws:iam::123456789012:user/auditor is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${org.prod}:role/AwssecIamMfaAudit`,
              ),
            },
          }
        : undefined,
    );
    const { code, stderr, report: r } = await json();
    expect(code).toBe(1);
    const prod = r.accounts.find((a) => a.account_id === org.prod);
    expect(prod).toMatchObject({ status: 'not-assessed', summary: null, account: null });
    expect(prod?.reason).toContain('access denied to sts:AssumeRole');
    // Worst first: the account nobody could read leads.
    expect(r.accounts[0]?.account_id).toBe(org.prod);
    expect(r.summary).toMatchObject({
      accounts: 3,
      accounts_assessed: 2,
      accounts_not_assessed: 1,
      total: 9,
    });
    expect(stderr).toBe(`awssec: account ${org.prod} was not assessed: ${prod?.reason}\n`);
    const table = await report([]);
    expect(table.stdout).toContain('NOT ASSESSED: access denied to sts:AssumeRole');
    expect(table.stdout).toContain('1 account NOT ASSESSED');
  });

  it('reads only the accounts named, and reports a named one that is not an active member', async () => {
    const file = join(workDir, 'accounts.txt');
    await writeFile(file, `# the members\n${org.dev}\n999999999999  # closed last year\n`);
    const { code, report: r } = await json(['--accounts', `@${file}`, '--role-name', 'Auditor']);
    expect(code).toBe(1);
    expect(r.accounts.map((a) => [a.account_id, a.status, a.reason])).toEqual([
      ['999999999999', 'not-assessed', 'not an ACTIVE account of the organization'],
      [org.dev, 'assessed', null],
    ]);
    expect(assumed()).toEqual([`arn:aws:iam::${org.dev}:role/Auditor`]);
    expect(r.settings).toMatchObject({ role_name: 'Auditor', accounts: [org.dev, '999999999999'] });
  });

  it('says where to run it when the caller may not list the accounts', async () => {
    emulator.proxy.setRule(({ action }) =>
      action === 'ListAccounts' ? { respond: accessDenied('ListAccounts') } : undefined,
    );
    const { code, stdout, stderr } = await report([]);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toMatch(
      /^awssec: access denied to organizations:ListAccounts: .*; --org runs from the organization's management account or a delegated administrator\n$/,
    );
  });

  it.each([
    [['--accounts', '12345'], "--accounts: '12345' is not a 12-digit AWS account id"],
    [['--accounts', '111111111111,111111111111'], '--accounts: 111111111111 is listed twice'],
    [
      ['--role-name', 'no/slashes'],
      "--role-name: 'no/slashes' is not an IAM role name (letters, digits and +=,.@_-, up to 64)",
    ],
    [['--security-hub'], '--security-hub works on one account, not with --org: run it in each account'],
    [['-o', 'asff'], '-o asff works on one account, not with --org: run it in each account'],
  ])('refuses %j with exit 2 and no AWS call', async (args, message) => {
    const { code, stderr } = await report(args);
    expect([code, stderr]).toEqual([2, `awssec: ${message}\n`]);
    expect(emulator.proxy.seen.size).toBe(0);
  });

  it('refuses the organization options without --org', async () => {
    const run = await runAwssec(
      ['iam-mfa', 'report', '--role-name', 'Auditor'],
      testClientSettings(emulator.proxy.endpoint),
    );
    expect([run.code, run.stderr]).toEqual([
      2,
      'awssec: --role-name goes with --org: awssec iam-mfa report --org --role-name …\n',
    ]);
  });
});
