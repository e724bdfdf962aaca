import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatePolicyCommand, CreatePolicyVersionCommand, type IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type AwsClientSettings, awsClientConfig, createIamClient } from '../../lambdas/aws/aws-clients.ts';
import { createStsClient } from '../../lambdas/aws/caller-identity.ts';

export const TEST_ACCOUNT_ID = '123456789012';

/**
 * The SDK's standard retries (throttling and 5xx included), backing off for
 * a few milliseconds instead of AWS's seconds: a storm of faults replays in
 * a moment, and every assertion about retries still holds.
 */
export function quickRetries(maxAttempts: number): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, (attempt) => Math.min(2 ** attempt, 20));
}

/** Settings that can only ever reach the given emulator, with dummy credentials. */
export function testClientSettings(endpoint: string): AwsClientSettings {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 3,
  };
}

export function testClients(endpoint: string): { iam: IAMClient; sts: STSClient } {
  const settings = testClientSettings(endpoint);
  return { iam: createIamClient(settings), sts: createStsClient(settings) };
}

/** Every client the Lambdas use, pointed at the emulator. */
export function allTestClients(endpoint: string, overrides: AwsClientSettings = {}) {
  const config = awsClientConfig({ ...testClientSettings(endpoint), ...overrides });
  return {
    iam: createIamClient({ ...testClientSettings(endpoint), ...overrides }),
    sts: createStsClient({ ...testClientSettings(endpoint), ...overrides }),
    ses: new SESClient(config),
    sns: new SNSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
  };
}

/**
 * Counts the calls a client makes, by operation (`ListMFADevices`), through
 * SDK middleware: one count per call, whatever its retries.
 */
export function countCalls(client: { middlewareStack: IAMClient['middlewareStack'] }): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'awssecTestCallCounter', override: true },
  );
  return counts;
}

export function total(counts: ReadonlyMap<string, number>, except: readonly string[] = []): number {
  let sum = 0;
  for (const [operation, count] of counts) if (!except.includes(operation)) sum += count;
  return sum;
}

/**
 * A managed policy named RequireMFA that looks the part (a Deny on MFA) but
 * grants everything: what the tool must refuse to attach.
 */
export const TAMPERED_REQUIRE_MFA = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Effect: 'Deny',
      Action: 's3:GetObject',
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
};

/** Creates RequireMFA with another document than the tool's (by default one that grants everything). */
export async function createTamperedRequireMfa(
  iam: IAMClient,
  document: unknown = TAMPERED_REQUIRE_MFA,
): Promise<void> {
  await iam.send(
    new CreatePolicyCommand({ PolicyName: 'RequireMFA', PolicyDocument: JSON.stringify(document) }),
  );
}

/** Swaps the default version of an existing RequireMFA, as an attacker with iam:CreatePolicyVersion would. */
export async function swapRequireMfaDefaultVersion(
  iam: IAMClient,
  document: unknown = TAMPERED_REQUIRE_MFA,
): Promise<void> {
  await iam.send(
    new CreatePolicyVersionCommand({
      PolicyArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:policy/RequireMFA`,
      PolicyDocument: JSON.stringify(document),
      SetAsDefault: true,
    }),
  );
}
