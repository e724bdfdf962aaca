import { describe, expect, it } from 'vitest';
import { buildMfaReport, type MfaReportOptions } from '../../lambdas/core/mfa-report.ts';
import {
  type AsffFinding,
  defaultProductArn,
  findingId,
  importBatches,
  type SecurityHubContext,
  securityHubPlan,
} from '../../lambdas/core/security-hub-findings.ts';
import type { AccountInventory, UserFacts } from '../../lambdas/core/user-facts.ts';
import { ACTIVE_KEY, daysAgo, device, inventoryOf, NOW, userFacts, VIRTUAL } from '../support/facts.ts';

const OPTIONS: MfaReportOptions = { now: NOW, gracePeriodDays: 7, selection: { include: [], exclude: [] } };
const CONTEXT: SecurityHubContext = { region: 'eu-west-1', partition: 'aws', now: NOW, groups: [] };
const LATER = { ...CONTEXT, now: new Date(NOW.getTime() + 86_400_000) };
const ROOT_OK = { mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true };

const user = (name: string, overrides: Parameters<typeof userFacts>[1] = {}): UserFacts =>
  userFacts(name, { userId: `AIDA${name.toUpperCase().replace(/\W/g, '')}`, ...overrides });

function plan(
  users: UserFacts[],
  existing: readonly AsffFinding[] = [],
  account: Partial<AccountInventory['account']> = {},
  options: Partial<MfaReportOptions> = {},
  context: SecurityHubContext = CONTEXT,
) {
  const report = buildMfaReport(inventoryOf(users, { root: ROOT_OK, ...account }), {
    ...OPTIONS,
    ...options,
  });
  return securityHubPlan(report, context, existing);
}

/** `subject/check STATUS SEVERITY [ARCHIVED]`, sorted. */
const verdicts = (findings: readonly AsffFinding[]) =>
  findings
    .map(
      (f) =>
        `${f.ProductFields['awssec/subject']}/${f.ProductFields['awssec/check']} ${f.Compliance.Status} ${f.Severity.Label}${f.RecordState === 'ARCHIVED' ? ' ARCHIVED' : ''}`,
    )
    .sort();

describe('securityHubPlan', () => {
  it('has one finding per user and check, FAILED for the non-compliant, WARNING in the grace period or exempted', () => {
    const { findings, counts } = plan([
      user('console', { consolePassword: true }),
      user('keys', { accessKeys: [ACTIVE_KEY, ACTIVE_KEY] }),
      user('both', { consolePassword: true, accessKeys: [ACTIVE_KEY] }),
      user('new', { ageDays: 1, consolePassword: true }),
      user('svc', {
        accessKeys: [ACTIVE_KEY],
        tags: { 'awssec:mfa-exempt': 'backup job, role migration in Q1' },
      }),
      user('fine', { consolePassword: true, accessKeys: [ACTIVE_KEY], mfaDevices: [device(VIRTUAL)] }),
      user('nothing'),
    ]);
    expect(verdicts(findings)).toEqual([
      'user/AIDABOTH/access-keys-without-mfa FAILED HIGH',
      'user/AIDABOTH/console-without-mfa FAILED HIGH',
      'user/AIDACONSOLE/console-without-mfa FAILED HIGH',
      'user/AIDAKEYS/access-keys-without-mfa FAILED HIGH',
      'user/AIDANEW/console-without-mfa WARNING MEDIUM',
      'user/AIDASVC/access-keys-without-mfa WARNING HIGH',
    ]);
    expect(counts).toEqual({ failed: 4, warning: 2, passed: 0, archived: 0 });
    const svc = findings.find((f) => f.Id.includes('AIDASVC'));
    expect(svc?.Description).toBe(
      'IAM user svc has 1 active access key and no MFA device. Status: exempted (by tag awssec:mfa-exempt: backup job, role migration in Q1): the risk was accepted; review the exemption.',
    );
    const keys = findings.find((f) => f.Id.includes('AIDAKEYS'));
    expect(keys?.Description).toBe(
      'IAM user keys has 2 active access keys and no MFA device. Status: non-compliant.',
    );
    const grace = findings.find((f) => f.Id.includes('AIDANEW'));
    expect(grace?.Description).toBe(
      `IAM user new has a console password and no MFA device. Status: in the grace period (new user: grace period ends ${daysAgo(-6).toISOString().slice(0, 10)}).`,
    );
  });

  it('fills in the fields ASFF requires, with a stable Id and the default product of the account and region', () => {
    const [finding] = plan([user('bob', { consolePassword: true })]).findings;
    expect(finding).toEqual({
      SchemaVersion: '2018-10-08',
      Id: 'awssec-iam-mfa/123456789012/user/AIDABOB/console-without-mfa',
      ProductArn: 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default',
      GeneratorId: 'awssec-iam-mfa/console-without-mfa',
      AwsAccountId: '123456789012',
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      CreatedAt: NOW.toISOString(),
      UpdatedAt: NOW.toISOString(),
      Severity: { Label: 'HIGH' },
      Title: 'IAM user can sign in to the console without MFA',
      Description: 'IAM user bob has a console password and no MFA device. Status: non-compliant.',
      Resources: [
        {
          Type: 'AwsIamUser',
          Id: 'arn:aws:iam::123456789012:user/bob',
          Partition: 'aws',
          Region: 'eu-west-1',
          Details: { AwsIamUser: { UserName: 'bob', UserId: 'AIDABOB' } },
        },
      ],
      Compliance: { Status: 'FAILED' },
      Remediation: { Recommendation: { Text: expect.stringContaining('register an MFA device') } },
      RecordState: 'ACTIVE',
      ProductFields: { 'awssec/check': 'console-without-mfa', 'awssec/subject': 'user/AIDABOB' },
    });
    expect(findingId('123456789012', 'user/AIDABOB', 'console-without-mfa')).toBe(finding?.Id);
    expect(defaultProductArn('aws-cn', 'cn-north-1', '123456789012')).toBe(
      'arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default',
    );
  });

  it('keys a user by IAM user id: a new user under an old name gets a new finding', () => {
    const before = plan([user('bob', { consolePassword: true })]).findings;
    const again = plan([user('bob', { consolePassword: true, userId: 'AIDANEWBOB' })], before, {}, {}, LATER);
    expect(verdicts(again.findings)).toEqual([
      'user/AIDABOB/console-without-mfa FAILED HIGH ARCHIVED',
      'user/AIDANEWBOB/console-without-mfa FAILED HIGH',
    ]);
  });

  it('turns a finding PASSED on the same Id once fixed, keeping when it was created; then says nothing more', () => {
    const before = plan([user('bob', { consolePassword: true, accessKeys: [ACTIVE_KEY] })]).findings;
    const fixed = plan(
      [user('bob', { consolePassword: true, accessKeys: [ACTIVE_KEY], mfaDevices: [device(VIRTUAL)] })],
      before,
      {},
      {},
      LATER,
    );
    expect(verdicts(fixed.findings)).toEqual([
      'user/AIDABOB/access-keys-without-mfa PASSED INFORMATIONAL',
      'user/AIDABOB/console-without-mfa PASSED INFORMATIONAL',
    ]);
    expect(fixed.findings.map((f) => [f.CreatedAt, f.UpdatedAt, f.Description])).toEqual([
      [NOW.toISOString(), LATER.now.toISOString(), 'IAM user bob has MFA.'],
      [NOW.toISOString(), LATER.now.toISOString(), 'IAM user bob has MFA.'],
    ]);
    const quiet = plan(
      [user('bob', { consolePassword: true, mfaDevices: [device(VIRTUAL)] })],
      fixed.findings,
    );
    expect(quiet.findings).toEqual([]);
  });

  it('turns a finding PASSED when the credential is gone rather than protected', () => {
    const before = plan([user('bob', { consolePassword: true })]).findings;
    const { findings } = plan([user('bob')], before, {}, {}, LATER);
    expect(findings.map((f) => [f.Compliance.Status, f.Description])).toEqual([
      ['PASSED', 'IAM user bob has no console password any more.'],
    ]);
  });

  it('archives the findings of a user who is gone, but only after a run that saw the whole account', () => {
    const before = plan([
      user('bob', { consolePassword: true }),
      user('ann', { consolePassword: true }),
    ]).findings;
    expect(verdicts(plan([user('ann', { consolePassword: true })], before, {}, {}, LATER).findings)).toEqual([
      'user/AIDAANN/console-without-mfa FAILED HIGH',
      'user/AIDABOB/console-without-mfa FAILED HIGH ARCHIVED',
    ]);
    const narrowed = plan(
      [user('ann', { consolePassword: true })],
      before,
      {},
      {
        selection: { include: ['ann'], exclude: [] },
      },
    );
    expect(verdicts(narrowed.findings)).toEqual(['user/AIDAANN/console-without-mfa FAILED HIGH']);
    const inventory = inventoryOf([user('ann', { consolePassword: true })], { root: ROOT_OK });
    const incomplete = buildMfaReport(
      {
        ...inventory,
        source: { ...inventory.source, usersUnreadable: [{ userName: 'bob', reason: 'denied' }] },
      },
      OPTIONS,
    );
    expect(verdicts(securityHubPlan(incomplete, CONTEXT, before).findings)).toEqual([
      'user/AIDAANN/console-without-mfa FAILED HIGH',
    ]);
  });

  it('judges root: CRITICAL without MFA or with keys, nothing when root has no credentials', () => {
    const exposed = plan([], [], {
      root: { mfaEnabled: false, virtualMfa: false, accessKeysPresent: true, hasCredentials: true },
    });
    expect(verdicts(exposed.findings)).toEqual([
      'root/root-access-keys FAILED CRITICAL',
      'root/root-without-mfa FAILED CRITICAL',
    ]);
    expect(exposed.findings.map((f) => f.Resources[0])).toEqual([
      { Type: 'AwsAccount', Id: 'AWS::::Account:123456789012', Partition: 'aws', Region: 'eu-west-1' },
      { Type: 'AwsAccount', Id: 'AWS::::Account:123456789012', Partition: 'aws', Region: 'eu-west-1' },
    ]);
    const withoutMfa = (findings: readonly AsffFinding[]) =>
      findings.find((f) => f.GeneratorId === 'awssec-iam-mfa/root-without-mfa');
    expect(withoutMfa(exposed.findings)?.Description).toContain(
      'AWS asks root to enrol MFA at its next console sign-in',
    );
    const none = { mfaEnabled: false, virtualMfa: false, accessKeysPresent: false, hasCredentials: false };
    expect(plan([], [], { root: none }).findings).toEqual([]);
    // Credentials removed centrally after a finding: it is resolved, saying why.
    const resolved = plan([], exposed.findings, { root: none }, {}, LATER).findings;
    expect(verdicts(resolved)).toEqual([
      'root/root-access-keys PASSED INFORMATIONAL',
      'root/root-without-mfa PASSED INFORMATIONAL',
    ]);
    expect(withoutMfa(resolved)?.Description).toBe(
      'The root user has no password, access keys or signing certificates: nobody can sign in as root, so it needs no MFA.',
    );
  });

  it('judges groups: FAILED without an MFA-enforcing policy, PASSED once given one, ARCHIVED once deleted', () => {
    const groups = [
      { groupName: 'developers', arn: 'arn:aws:iam::123456789012:group/teams/developers', policies: [] },
      { groupName: 'ops', policies: [] },
    ];
    const context = (names: string[]) => ({
      ...LATER,
      groups: groups
        .filter((g) => names.includes(g.groupName))
        .map((g) => ({ name: g.groupName, arn: g.arn })),
    });
    const before = plan([], [], { groups }, {}, context(['developers', 'ops'])).findings;
    expect(verdicts(before)).toEqual([
      'group/developers/group-without-mfa-policy FAILED MEDIUM',
      'group/ops/group-without-mfa-policy FAILED MEDIUM',
    ]);
    expect(before.map((f) => f.Resources[0]?.Id)).toEqual([
      'arn:aws:iam::123456789012:group/teams/developers',
      'arn:aws:iam::123456789012:group/ops',
    ]);
    const requireMfa = {
      name: 'RequireMFA',
      document: {
        Statement: [
          {
            Effect: 'Deny',
            NotAction: ['iam:ChangePassword'],
            Resource: '*',
            Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
          },
        ],
      },
    };
    const after = plan(
      [],
      before,
      { groups: [{ ...groups[0], groupName: 'developers', policies: [requireMfa] }] },
      {},
      context(['developers']),
    );
    expect(verdicts(after.findings)).toEqual([
      'group/developers/group-without-mfa-policy PASSED INFORMATIONAL',
      'group/ops/group-without-mfa-policy FAILED MEDIUM ARCHIVED',
    ]);
  });

  it('judges RequireMFA: HIGH when tampered, MEDIUM when outdated, PASSED when repaired, ARCHIVED when deleted, untouched when unreadable', () => {
    const policy = (status: AccountInventory['account']['requireMfaPolicy']['status']) => ({
      requireMfaPolicy: {
        arn: 'arn:aws:iam::123456789012:policy/RequireMFA',
        status,
        defaultVersionId: 'v3',
      },
    });
    const tampered = plan([], [], policy('tampered')).findings;
    expect(verdicts(tampered)).toEqual(['policy/RequireMFA/require-mfa-policy-untrusted FAILED HIGH']);
    expect(tampered[0]?.Resources[0]).toMatchObject({
      Type: 'AwsIamPolicy',
      Id: 'arn:aws:iam::123456789012:policy/RequireMFA',
    });
    expect(verdicts(plan([], [], policy('outdated')).findings)).toEqual([
      'policy/RequireMFA/require-mfa-policy-untrusted FAILED MEDIUM',
    ]);
    expect(verdicts(plan([], tampered, policy('canonical'), {}, LATER).findings)).toEqual([
      'policy/RequireMFA/require-mfa-policy-untrusted PASSED INFORMATIONAL',
    ]);
    expect(verdicts(plan([], tampered, policy('missing'), {}, LATER).findings)).toEqual([
      'policy/RequireMFA/require-mfa-policy-untrusted FAILED HIGH ARCHIVED',
    ]);
    expect(plan([], tampered, policy('unreadable'), {}, LATER).findings).toEqual([]);
  });

  it("ignores findings of another product, account or region's Security Hub, and archived ones", () => {
    const [finding] = plan([user('bob', { consolePassword: true })]).findings;
    if (finding === undefined) throw new Error('no finding');
    const others: AsffFinding[] = [
      { ...finding, ProductArn: 'arn:aws:securityhub:eu-west-1::product/aws/guardduty' },
      { ...finding, AwsAccountId: '210987654321' },
      { ...finding, ProductArn: defaultProductArn('aws', 'us-east-1', '123456789012') },
      { ...finding, RecordState: 'ARCHIVED' },
    ];
    for (const other of others) expect(plan([], [other], {}, {}, LATER).findings).toEqual([]);
  });

  it('keeps text within ASFF limits', () => {
    const long = user('svc', { accessKeys: [ACTIVE_KEY], tags: { 'awssec:mfa-exempt': 'x'.repeat(2000) } });
    const [finding] = plan([long]).findings;
    expect(finding?.Description.length).toBe(1024);
    expect(finding?.Description.endsWith('…')).toBe(true);
  });
});

describe('importBatches', () => {
  it('splits into batches of at most 100', () => {
    expect(importBatches(Array.from({ length: 250 }, (_, i) => i)).map((b) => b.length)).toEqual([
      100, 100, 50,
    ]);
    expect(importBatches([])).toEqual([]);
  });
});
