/**
 * The sample account in moto, and the CLI run against it through the proxy,
 * for the enforce and restore tests: the helpers they share.
 */
import {
  EnableMFADeviceCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { EnforcementRun } from '../../lambdas/use-cases/enforce-mfa-compliance.ts';
import { TEST_ACCOUNT_ID, testClientSettings, testClients } from './aws.ts';
import { rewriteCredentialReport } from './aws-proxy.ts';
import { runAwssec } from './cli.ts';
import { useMoto } from './moto-harness.ts';
import { seedSampleAccount } from './sample-account.ts';
import type { SeededUser } from './seed.ts';

/** Every IAM call that changes something. */
export const WRITES = [
  'UpdateAccessKey',
  'AttachUserPolicy',
  'DetachUserPolicy',
  'CreatePolicy',
  'DeleteLoginProfile',
  'TagUser',
  'UntagUser',
];
export const POLICY_ARN = `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`;

export function useSampleAccountCli() {
  let client: IAMClient | undefined;
  let seeded = new Map<string, SeededUser>();
  const emulator = useMoto(
    async (moto) => {
      client = testClients(moto.endpoint).iam;
      seeded = await seedSampleAccount(client, moto);
    },
    { reseedOnlyAfterChanges: true },
  );

  /** A client for set-up and checks, straight to moto. */
  const iam = (): IAMClient => {
    if (client === undefined)
      throw new Error('the sample account is seeded before each test: use iam() inside one');
    return client;
  };

  const awssec = (args: string[], settings = testClientSettings(emulator.proxy.endpoint)) =>
    runAwssec(['iam-mfa', ...args], settings);

  async function enforceJson(args: string[]) {
    const result = await awssec(['enforce', '-o', 'json', '--exclude-users', 'svc-*', ...args]);
    return {
      ...result,
      run: (result.stdout === '' ? undefined : JSON.parse(result.stdout)) as EnforcementRun,
    };
  }

  function writes(): Record<string, number> {
    return Object.fromEntries([...emulator.proxy.seen].filter(([action]) => WRITES.includes(action)));
  }

  async function keyStatuses(userName: string): Promise<string[]> {
    const { AccessKeyMetadata } = await iam().send(new ListAccessKeysCommand({ UserName: userName }));
    return (AccessKeyMetadata ?? []).map((key) => `${key.AccessKeyId}:${key.Status}`).sort();
  }

  async function attached(userName: string): Promise<string[]> {
    const { AttachedPolicies } = await iam().send(
      new ListAttachedUserPoliciesCommand({ UserName: userName }),
    );
    return (AttachedPolicies ?? []).map((policy) => policy.PolicyName ?? '');
  }

  async function tags(userName: string): Promise<Record<string, string>> {
    const { Tags } = await iam().send(new ListUserTagsCommand({ UserName: userName }));
    return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  }

  const keyOf = (user: string, index = 0) => seeded.get(user)?.accessKeyIds[index] ?? '';

  /**
   * From now on the proxy serves the credential report as it is now: moto
   * computes it afresh on every call, AWS keeps one for up to four hours.
   */
  async function freezeCredentialReport(): Promise<void> {
    const { Content } = await iam().send(new GetCredentialReportCommand({}));
    const frozen = new TextDecoder().decode(Content);
    emulator.proxy.setRule(({ action }) =>
      action === 'GetCredentialReport' ? { rewrite: rewriteCredentialReport(() => frozen) } : undefined,
    );
  }

  async function seedMfa(userName: string): Promise<void> {
    await iam().send(
      new EnableMFADeviceCommand({
        UserName: userName,
        SerialNumber: 'GAKT99999999',
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
  }

  return {
    emulator,
    iam,
    keyOf,
    awssec,
    enforceJson,
    writes,
    keyStatuses,
    attached,
    tags,
    freezeCredentialReport,
    seedMfa,
  };
}
