/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SESClient } from '@aws-sdk/client-ses';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { memberAccountClients } from '../aws/member-accounts.ts';
import { ENV, FUNCTION_ENV, MEMBER_ROLE_NAMES, METRICS } from '../function-contract.ts';
import {
  accountIdValue,
  organizationIdValue,
  patternListValue,
  rangedValue,
  readEnvironment,
} from '../handler-support.ts';
import type { OnboardingSettings } from '../use-cases/onboard-user.ts';
import { createOnboardingHandler } from './onboarding.ts';

function settingsFromEnvironment(): OnboardingSettings {
  const env = readEnvironment(FUNCTION_ENV.onboarding);
  return {
    senderEmail: env.SENDER_EMAIL,
    emailDomain: env.EMAIL_DOMAIN,
    excludeUsers: patternListValue('EXCLUDE_USERS', env.EXCLUDE_USERS),
    breakGlass: patternListValue('BREAK_GLASS', env.BREAK_GLASS),
    gracePeriodDays: rangedValue('GRACE_PERIOD_DAYS', env.GRACE_PERIOD_DAYS, 'gracePeriodDays'),
  };
}

const { ACCOUNT_ID, ORGANIZATION_ID } = readEnvironment([ENV.accountId, ENV.organizationId]);
const clients = { iam: createIamClient(), sts: createStsClient(), ses: awsClient(SESClient) };

export const handler = createOnboardingHandler({
  settings: settingsFromEnvironment(),
  accountId: accountIdValue(ENV.accountId, ACCOUNT_ID),
  clients,
  // Organization mode: the members' new users too, through their onboarding role.
  memberClients:
    organizationIdValue(ENV.organizationId, ORGANIZATION_ID) === undefined
      ? undefined
      : memberAccountClients(clients, MEMBER_ROLE_NAMES.onboarding),
  logger: new Logger(),
  metrics: new Metrics({ namespace: METRICS.namespace }),
});
