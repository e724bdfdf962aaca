/** The Lambda entry: one account of the organization's night, settings read at cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { FUNCTION_ENV } from '../function-contract.ts';
import { readEnvironment } from '../handler-support.ts';
import { nightlyClients } from '../nightly/clients.ts';
import { createAccountNightlyHandler, orgNightlySettingsFrom } from './account-nightly.ts';

const settings = orgNightlySettingsFrom(readEnvironment(FUNCTION_ENV.accountNightly));

export const handler = createAccountNightlyHandler({
  settings,
  // The member accounts' clients are made from these settings (the region and credentials of the function).
  clients: { ...nightlyClients(settings.securityHub), settings: {} },
  logger: new Logger(),
});
