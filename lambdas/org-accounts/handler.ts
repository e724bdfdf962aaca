/** The Lambda entry: the organization's accounts, with this function's own credentials. */
import { Logger } from '@aws-lambda-powertools/logger';
import { createOrganizationsClient } from '../aws/organization.ts';
import { createOrgAccountsHandler } from './org-accounts.ts';

export const handler = createOrgAccountsHandler({
  organizations: createOrganizationsClient(),
  logger: new Logger(),
});
