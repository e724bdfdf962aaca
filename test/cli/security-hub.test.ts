/**
 * `report --security-hub` and `-o asff` against moto's Security Hub, which
 * implements BatchImportFindings and GetFindings (it ignores GetFindings'
 * filters, so the tool's own filtering is what keeps foreign findings out).
 */
import {
  DeleteAccessKeyCommand,
  DeleteUserCommand,
  EnableMFADeviceCommand,
  ListAccessKeysCommand,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  BULK_REPORT_PERMISSIONS,
  SECURITY_HUB_PERMISSIONS,
} from '../../lambdas/core/permissions.ts';
import type { AsffFinding } from '../../lambdas/core/security-hub-findings.ts';
import { TEST_ACCOUNT_ID, testClientSettings, testClients } from '../support/aws.ts';
import { runAwssec } from '../support/cli.ts';
import { useMoto } from '../support/moto-harness.ts';
import { seedSampleAccount } from '../support/sample-account.ts';

const emulator = useMoto(async (moto) => {
  await seedSampleAccount(testClients(moto.endpoint).iam, moto);
});

const PRODUCT_ARN = `arn:aws:securityhub:us-east-1:${TEST_ACCOUNT_ID}:product/${TEST_ACCOUNT_ID}/default`;

const report = (args: string[]) =>
  runAwssec(
    ['iam-mfa', 'report', '--exclude-users', 'svc-*', ...args],
    testClientSettings(emulator.proxy.endpoint),
  );

/** What moto's Security Hub holds, read past the proxy: every finding, by Id. */
async function held(): Promise<Map<string, AwsSecurityFinding>> {
  const client = new SecurityHubClient(testClientSettings(emulator.moto.endpoint));
  const findings: AwsSecurityFinding[] = [];
  let NextToken: string | undefined;
  do {
    const page = await client.send(new GetFindingsCommand({ NextToken }));
    findings.push(...(page.Findings ?? []));
    NextToken = page.NextToken || undefined;
  } while (NextToken !== undefined);
  return new Map(findings.map((finding) => [finding.Id ?? '', finding]));
}

/** `user name/check status`, `root/check status`…: what the findings say, sorted. */
function verdicts(findings: Iterable<AwsSecurityFinding | AsffFinding>): string[] {
  return [...findings]
    .map((f) => {
      const resource = f.Resources?.[0];
      const subject =
        resource?.Type === 'AwsIamUser'
          ? (resource.Details?.AwsIamUser?.UserName ?? '?')
          : resource?.Type === 'AwsAccount'
            ? 'root'
            : (resource?.Id ?? '?').replace(/^.*:group\//, 'group ');
      const check = (f.GeneratorId ?? '').replace('awssec-iam-mfa/', '');
      return `${subject}/${check} ${f.Compliance?.Status} ${f.Severity?.Label}${f.RecordState === 'ARCHIVED' ? ' ARCHIVED' : ''}`;
    })
    .sort();
}

const FIRST_RUN = [
  'alice.brown/access-keys-without-mfa FAILED HIGH',
  'bob.wilson/console-without-mfa FAILED HIGH',
  'group developers/group-without-mfa-policy FAILED MEDIUM',
  'new.user/console-without-mfa WARNING MEDIUM',
  'old.account/access-keys-without-mfa FAILED HIGH',
  'old.account/console-without-mfa FAILED HIGH',
  'root/root-without-mfa FAILED CRITICAL',
  'svc-backup/access-keys-without-mfa WARNING HIGH',
];

/** The Security Hub operations the proxy passed on, by their REST paths. */
const SECURITY_HUB_PATHS: Record<string, string> = {
  '/findings': 'securityhub:GetFindings',
  '/findings/import': 'securityhub:BatchImportFindings',
};
function securityHubCalls(): string[] {
  const paths = emulator.proxy.forwarded.filter((r) => r.action === '').map((r) => r.path ?? '');
  return [...new Set(paths.map((path) => SECURITY_HUB_PATHS[path] ?? path))].sort();
}

describe('report -o asff', () => {
  it('prints the findings an import would send, and writes nothing', async () => {
    const { code, stdout, stderr } = await report(['-o', 'asff']);
    expect([code, stderr]).toEqual([0, '']);
    const findings: AsffFinding[] = JSON.parse(stdout);
    expect(verdicts(findings)).toEqual(FIRST_RUN);
    expect(await held()).toEqual(new Map());
    expect(securityHubCalls()).toEqual(['securityhub:GetFindings']);

    const svc = findings.find((f) => f.Resources[0]?.Details?.AwsIamUser.UserName === 'svc-backup');
    expect(svc?.Description).toBe(
      'IAM user svc-backup has 1 active access key and no MFA device. Status: exempted (matches exclude pattern svc-*): the risk was accepted; review the exemption.',
    );
  });
});

describe('report --security-hub', () => {
  it('imports the findings, then turns them PASSED when fixed and ARCHIVED when the user is gone', async () => {
    const first = await report(['--security-hub', '-o', 'json']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(
      'Security Hub (us-east-1): imported 8 of 8 findings (6 failed, 2 warning, 0 passed, 0 archived)\n',
    );
    const before = await held();
    expect(verdicts(before.values())).toEqual(FIRST_RUN);
    // What the run called is what the permission lists name: the report's reads and Security Hub's two.
    expect(securityHubCalls()).toEqual(actionsOf(SECURITY_HUB_PERMISSIONS).sort());
    const iamCalls = [...emulator.proxy.seen.keys()].filter((a) => a !== '' && a !== 'GetCallerIdentity');
    expect(
      iamCalls.map((a) => `iam:${a}`).filter((a) => !actionsOf(BULK_REPORT_PERMISSIONS).includes(a)),
    ).toEqual([]);

    const users = JSON.parse(first.stdout).users as { username: string; user_id: string; arn: string }[];
    const bob = users.find((u) => u.username === 'bob.wilson');
    const bobsId = `awssec-iam-mfa/${TEST_ACCOUNT_ID}/user/${bob?.user_id}/console-without-mfa`;
    expect(bob?.user_id).toMatch(/^\w+$/);
    expect(before.get(bobsId)).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: bobsId,
      ProductArn: PRODUCT_ARN,
      GeneratorId: 'awssec-iam-mfa/console-without-mfa',
      AwsAccountId: TEST_ACCOUNT_ID,
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
      Severity: { Label: 'HIGH' },
      Title: 'IAM user can sign in to the console without MFA',
      Description: 'IAM user bob.wilson has a console password and no MFA device. Status: non-compliant.',
      Resources: [
        {
          Type: 'AwsIamUser',
          Id: bob?.arn,
          Partition: 'aws',
          Region: 'us-east-1',
          Details: { AwsIamUser: { UserName: 'bob.wilson', UserId: bob?.user_id } },
        },
      ],
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
    });
    expect(before.get(bobsId)?.Remediation?.Recommendation?.Text).toContain('register an MFA device');

    // bob registers a device; alice.brown leaves.
    const { iam } = testClients(emulator.moto.endpoint);
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: 'bob.wilson',
        SerialNumber: 'arn:aws:iam::123456789012:u2f/user/bob.wilson/key-ABCDEF',
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'alice.brown' }));
    for (const key of keys.AccessKeyMetadata ?? []) {
      await iam.send(new DeleteAccessKeyCommand({ UserName: 'alice.brown', AccessKeyId: key.AccessKeyId }));
    }
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'developers', UserName: 'alice.brown' }));
    await iam.send(new DeleteUserCommand({ UserName: 'alice.brown' }));

    const second = await report(['--security-hub']);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(
      'Security Hub (us-east-1): imported 8 of 8 findings (4 failed, 2 warning, 1 passed, 1 archived)\n',
    );
    const after = await held();
    // Everyone else is as before.
    const unchanged = FIRST_RUN.filter((v) => !v.startsWith('alice.brown/') && !v.startsWith('bob.wilson/'));
    expect(verdicts(after.values())).toEqual(
      [
        'alice.brown/access-keys-without-mfa FAILED HIGH ARCHIVED',
        'bob.wilson/console-without-mfa PASSED INFORMATIONAL',
        ...unchanged,
      ].sort(),
    );
    // The same finding, resolved: created when first seen, updated now.
    expect(after.get(bobsId)?.CreatedAt).toBe(before.get(bobsId)?.CreatedAt);
    expect(after.get(bobsId)?.Description).toBe('IAM user bob.wilson has MFA.');
    expect(Date.parse(after.get(bobsId)?.UpdatedAt ?? '')).toBeGreaterThan(
      Date.parse(before.get(bobsId)?.UpdatedAt ?? ''),
    );

    // A third run has nothing new to say about bob or alice.
    const third = await report(['-o', 'asff']);
    expect(verdicts(JSON.parse(third.stdout))).toEqual(unchanged);
  });

  it('archives nothing about users a run narrowed by --include-users did not see', async () => {
    await report(['--security-hub']);
    const narrowed = await report(['--security-hub', '--include-users', 'bob.wilson', '-o', 'asff']);
    expect(verdicts(JSON.parse(narrowed.stdout))).toEqual([
      'bob.wilson/console-without-mfa FAILED HIGH',
      'group developers/group-without-mfa-policy FAILED MEDIUM',
      'root/root-without-mfa FAILED CRITICAL',
    ]);
    expect(verdicts((await held()).values()).filter((v) => v.includes('ARCHIVED'))).toEqual([]);
  });

  it('leaves findings of other generators and products alone', async () => {
    const client = new SecurityHubClient(testClientSettings(emulator.moto.endpoint));
    const foreign = (id: string, generator: string, product: string) => ({
      SchemaVersion: '2018-10-08',
      Id: id,
      ProductArn: product,
      GeneratorId: generator,
      AwsAccountId: TEST_ACCOUNT_ID,
      Types: ['Software and Configuration Checks'],
      CreatedAt: '2026-01-01T00:00:00.000Z',
      UpdatedAt: '2026-01-01T00:00:00.000Z',
      Severity: { Label: 'HIGH' as const },
      Title: 'someone else',
      Description: 'not ours',
      Resources: [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::123456789012:user/gone' }],
      Compliance: { Status: 'FAILED' as const },
    });
    await client.send(
      new BatchImportFindingsCommand({
        Findings: [
          foreign('other-tool/1', 'other-tool/check', PRODUCT_ARN),
          foreign(
            'awssec-iam-mfa/123456789012/user/AIDAOTHERPRODUCT/console-without-mfa',
            'awssec-iam-mfa/console-without-mfa',
            'arn:aws:securityhub:us-east-1::product/aws/guardduty',
          ),
        ],
      }),
    );
    const { code, stderr } = await report(['--security-hub']);
    expect(code).toBe(0);
    expect(stderr).toContain('0 archived');
    const kept = await held();
    expect(kept.get('other-tool/1')?.RecordState).toBeUndefined();
    expect(
      kept.get('awssec-iam-mfa/123456789012/user/AIDAOTHERPRODUCT/console-without-mfa')?.RecordState,
    ).toBeUndefined();
  });

  it('reports each finding Security Hub refused, and exits 1', async () => {
    emulator.proxy.setRule(({ path }) =>
      path === '/findings/import'
        ? {
            rewrite: (body) => {
              const answer = JSON.parse(body);
              return JSON.stringify({
                FailedCount: 1,
                SuccessCount: answer.SuccessCount - 1,
                FailedFindings: [
                  {
                    Id: `awssec-iam-mfa/${TEST_ACCOUNT_ID}/root/root-without-mfa`,
                    ErrorCode: 'InvalidInput',
                    ErrorMessage: 'Finding does not adhere to ASFF',
                  },
                ],
              });
            },
          }
        : undefined,
    );
    const { code, stderr } = await report(['--security-hub']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      [
        'Security Hub (us-east-1): imported 7 of 8 findings (6 failed, 2 warning, 0 passed, 0 archived)',
        `awssec: Security Hub did not import finding awssec-iam-mfa/${TEST_ACCOUNT_ID}/root/root-without-mfa: InvalidInput: Finding does not adhere to ASFF`,
        '',
      ].join('\n'),
    );
  });

  it('says what to do when Security Hub is not enabled, before printing anything', async () => {
    emulator.proxy.setRule(({ path }) =>
      path?.startsWith('/findings')
        ? {
            respond: {
              status: 401,
              body: JSON.stringify({
                __type: 'InvalidAccessException',
                Message: `Account ${TEST_ACCOUNT_ID} is not subscribed to AWS Security Hub`,
              }),
            },
          }
        : undefined,
    );
    const { code, stdout, stderr } = await report(['--security-hub']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'awssec: securityhub:GetFindings failed: Security Hub is not enabled in this account and region: enable it (aws securityhub enable-security-hub), or leave Security Hub out of the run\n',
    );
  });
});
