import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { AwsCallError, awsCall } from './aws-call-error.ts';
import { type AwsClientSettings, awsClient } from './aws-clients.ts';

/** An Organizations client with the tool's settings. */
export function createOrganizationsClient(settings?: AwsClientSettings): OrganizationsClient {
  return awsClient(OrganizationsClient, settings);
}

export interface OrganizationAccount {
  readonly accountId: string;
  readonly name: string;
}

/**
 * The organization's ACTIVE accounts, every page, sorted by id. Only the
 * management account or a delegated administrator may list them: anyone else
 * gets a message that says so.
 */
export async function listActiveAccounts(client: OrganizationsClient): Promise<OrganizationAccount[]> {
  const accounts: OrganizationAccount[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await awsCall('organizations:ListAccounts', () =>
        client.send(new ListAccountsCommand({ NextToken: nextToken })),
      );
      for (const account of page.Accounts ?? []) {
        // State is the newer field; Status is the one older answers carry.
        const state = account.State ?? account.Status;
        if (account.Id !== undefined && state === 'ACTIVE') {
          accounts.push({ accountId: account.Id, name: account.Name ?? '' });
        }
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken !== undefined);
  } catch (error) {
    if (error instanceof AwsCallError && (error.kind === 'access-denied' || /NotInUse/.test(error.detail))) {
      throw new AwsCallError(
        error.action,
        error.kind,
        `${error.message.replace(/\.$/, '')}; --org runs from the organization's management account or a delegated administrator`,
        { cause: error, detail: error.detail },
      );
    }
    throw error;
  }
  return accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
}

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
