import type { IAMClient } from '@aws-sdk/client-iam';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { createSecurityHubClient, importFindings, readOwnFindings } from '../../lambdas/aws/security-hub.ts';
import { buildMfaReport } from '../../lambdas/core/mfa-report.ts';
import { defaultProductArn, securityHubPlan } from '../../lambdas/core/security-hub-findings.ts';
import { countCalls, TEST_ACCOUNT_ID, testClientSettings } from '../support/aws.ts';
import { ACTIVE_KEY, inventoryOf, NOW, userFacts } from '../support/facts.ts';
import { useMoto } from '../support/moto-harness.ts';

const emulator = useMoto();
const PRODUCT_ARN = defaultProductArn('aws', 'us-east-1', TEST_ACCOUNT_ID);

/** 125 users, each with a console password and a key and no MFA: 250 FAILED findings. */
function manyFindings() {
  const users = Array.from({ length: 125 }, (_, i) =>
    userFacts(`user-${i}`, { userId: `AIDAUSER${i}`, consolePassword: true, accessKeys: [ACTIVE_KEY] }),
  );
  const root = { mfaEnabled: true, virtualMfa: false, accessKeysPresent: false, hasCredentials: true };
  const report = buildMfaReport(inventoryOf(users, { root }), {
    now: NOW,
    gracePeriodDays: 7,
    selection: { include: [], exclude: [] },
  });
  return securityHubPlan(report, { region: 'us-east-1', partition: 'aws', now: NOW, groups: [] }, [])
    .findings;
}

describe('the Security Hub adapter against moto', () => {
  it('imports in batches of 100 and reads every page of its own findings back', async () => {
    const client = createSecurityHubClient(testClientSettings(emulator.proxy.endpoint));
    const calls = countCalls(client as unknown as IAMClient);
    const findings = manyFindings();
    expect(findings).toHaveLength(250);

    expect(await importFindings(client, findings)).toEqual({ imported: 250, failed: [] });
    expect(calls.get('BatchImportFindings')).toBe(3);

    const read = await readOwnFindings(client, PRODUCT_ARN, TEST_ACCOUNT_ID);
    expect(calls.get('GetFindings')).toBe(3);
    expect(read.map((f) => f.Id).sort()).toEqual(findings.map((f) => f.Id).sort());
    const first = findings[0];
    expect(read.find((f) => f.Id === first?.Id)).toEqual(first);
  });

  it('reads back only well-formed findings of its own generators, product and account', async () => {
    const client = createSecurityHubClient(testClientSettings(emulator.proxy.endpoint));
    const [ours] = manyFindings();
    if (ours === undefined) throw new Error('no finding');
    const sdkFinding = (changes: Record<string, unknown>) =>
      JSON.parse(JSON.stringify({ ...ours, ...changes, Id: `${ours.Id}-${Object.keys(changes).join('-')}` }));
    await client.send(
      new BatchImportFindingsCommand({
        Findings: [
          JSON.parse(JSON.stringify(ours)),
          sdkFinding({ GeneratorId: 'someone-else/check' }),
          sdkFinding({ AwsAccountId: '210987654321' }),
          sdkFinding({ ProductArn: defaultProductArn('aws', 'eu-west-1', TEST_ACCOUNT_ID) }),
          sdkFinding({ RecordState: 'ARCHIVED' }),
          sdkFinding({ Severity: { Label: 'EXTREME' } }),
          sdkFinding({ Compliance: { Status: 'NOT_AVAILABLE' } }),
          sdkFinding({ Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::bucket' }] }),
          sdkFinding({ Title: '' }),
          sdkFinding({ Resources: [{ Type: 'AwsIamUser', Id: 'arn:aws:iam::123456789012:user/x' }] }),
          sdkFinding({ Remediation: {} }),
        ],
      }),
    );
    const read = await readOwnFindings(client, PRODUCT_ARN, TEST_ACCOUNT_ID);
    expect(read.map((f) => f.Id)).toEqual([ours.Id]);
  });
});
