import type { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { AwsCallError, awsCall } from './aws-call-error.ts';
import { type AwsClientSettings, createIamClient } from './aws-clients.ts';
import { type CallerIdentity, createStsClient, readCallerIdentity } from './caller-identity.ts';

/** Temporary credentials, as the SDK clients take them. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

/** Refreshed this long before they expire: a read of a large account outlasts no hour, but a run of many may. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Credentials of the role in another account: assumed once now (so a missing
 * role or trust fails here, named), and again shortly before they expire.
 */
export async function assumeRole(
  sts: STSClient,
  roleArn: string,
  sessionName = 'awssec-iam-mfa',
): Promise<() => Promise<TemporaryCredentials>> {
  const assume = async (): Promise<TemporaryCredentials> => {
    const { Credentials } = await awsCall('sts:AssumeRole', () =>
      sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName })),
    );
    if (Credentials?.AccessKeyId === undefined || Credentials.SecretAccessKey === undefined) {
      throw new AwsCallError(
        'sts:AssumeRole',
        'other',
        `sts:AssumeRole of ${roleArn} returned no credentials`,
      );
    }
    return {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretAccessKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration,
    };
  };
  let current = await assume();
  let refreshing: Promise<TemporaryCredentials> | undefined;
  return async () => {
    const expires = current.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
    if (expires - Date.now() > REFRESH_BEFORE_MS) return current;
    refreshing ??= assume().finally(() => {
      refreshing = undefined;
    });
    current = await refreshing;
    return current;
  };
}

export interface AccountClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
}

/**
 * Organization mode's functions: clients acting in a member account through
 * the role of that name assumed there, made once per account and kept (a
 * warm function reuses them; the credentials renew themselves).
 */
export function memberAccountClients(
  own: { readonly sts: STSClient },
  roleName: string,
  settings?: AwsClientSettings,
  /** The caller's partition, when known already; read from STS otherwise. */
  partition?: string,
): (accountId: string) => Promise<AccountClients> {
  const made = new Map<string, Promise<AccountClients>>();
  let caller: Promise<Pick<CallerIdentity, 'partition'>> | undefined =
    partition === undefined ? undefined : Promise.resolve({ partition });
  return (accountId) => {
    let clients = made.get(accountId);
    if (clients === undefined) {
      clients = (async () => {
        caller ??= readCallerIdentity(own.sts);
        const { partition } = await caller;
        const credentials = await assumeRole(own.sts, `arn:${partition}:iam::${accountId}:role/${roleName}`);
        return {
          iam: createIamClient({ ...settings, credentials }),
          sts: createStsClient({ ...settings, credentials }),
        };
      })();
      // A failure is not kept: the next event tries again.
      clients.catch(() => made.delete(accountId));
      made.set(accountId, clients);
    }
    return clients;
  };
}
