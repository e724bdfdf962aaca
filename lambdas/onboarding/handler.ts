/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SESClient } from '@aws-sdk/client-ses';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { ENV, FUNCTION_ENV, METRICS } from '../function-contract.ts';
import { accountIdValue, patternListValue, rangedValue, readEnvironment } from '../handler-support.ts';
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

export const handler = createOnboardingHandler({
  settings: settingsFromEnvironment(),
  accountId: accountIdValue(ENV.accountId, readEnvironment([ENV.accountId]).ACCOUNT_ID),
  clients: { iam: createIamClient(), sts: createStsClient(), ses: awsClient(SESClient) },
  logger: new Logger(),
  metrics: new Metrics({ namespace: METRICS.namespace }),
});
