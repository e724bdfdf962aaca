import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
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
