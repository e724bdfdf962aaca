import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { listActiveAccounts, type OrganizationAccount } from '../aws/organization.ts';
import type { HandlerLogger } from '../handler-support.ts';

/**
 * The state machine's first step: the organization's ACTIVE accounts. A
 * failure (this account is not the management account nor a delegated
 * administrator) is thrown: without the list there is no night to run.
 */
export function createOrgAccountsHandler(deps: {
  organizations: OrganizationsClient;
  logger: HandlerLogger;
}) {
  return async (): Promise<{ accounts: OrganizationAccount[]; count: number }> => {
    // Only what the Map needs: the count chooses the inline or the Distributed Map.
    const accounts = await listActiveAccounts(deps.organizations);
    deps.logger.info('accounts listed', { count: accounts.length });
    return { accounts, count: accounts.length };
  };
}
