import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { awsCall } from './aws-call-error.ts';
import { type AwsClientSettings, awsClient } from './aws-clients.ts';

export interface CallerIdentity {
  readonly accountId: string;
  readonly arn: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: policy ARNs are built in the caller's partition. */
  readonly partition: string;
  /** Set when the tool runs as an IAM user (not a role): that user is never acted on. */
  readonly userName: string | undefined;
}

export async function readCallerIdentity(sts: STSClient): Promise<CallerIdentity> {
  const identity = await awsCall('sts:GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
  const arn = identity.Arn ?? '';
  // arn:aws:iam::123456789012:user/path/alice → alice; roles and root are not IAM users.
  const user = /^arn:([^:]+):iam::\d+:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return {
    accountId: identity.Account ?? '',
    arn,
    partition: /^arn:([^:]+):/.exec(arn)?.[1] ?? 'aws',
    userName: user?.[2],
  };
}

/** An STS client with the tool's settings; kept beside its one use so IAM-only code never loads STS. */
export function createStsClient(settings?: AwsClientSettings): STSClient {
  return awsClient(STSClient, settings);
}
