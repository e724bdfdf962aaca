/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { FUNCTION_ENV, METRICS, NIGHTLY_MODES } from '../function-contract.ts';
import {
  booleanValue,
  choiceValue,
  patternListValue,
  rangedValue,
  readEnvironment,
  requiredValue,
} from '../handler-support.ts';
import type { NightlySettings } from '../use-cases/nightly-run.ts';
import { createNightlyHandler } from './nightly.ts';

function settingsFromEnvironment(): NightlySettings {
  const env = readEnvironment(FUNCTION_ENV.nightly);
  return {
    mode: choiceValue('MODE', env.MODE, NIGHTLY_MODES),
    apply: booleanValue('APPLY', env.APPLY),
    gracePeriodDays: rangedValue('GRACE_PERIOD_DAYS', env.GRACE_PERIOD_DAYS, 'gracePeriodDays'),
    warningDays: rangedValue('WARNING_DAYS', env.WARNING_DAYS, 'warningDays'),
    excludeUsers: patternListValue('EXCLUDE_USERS', env.EXCLUDE_USERS),
    breakGlass: patternListValue('BREAK_GLASS', env.BREAK_GLASS),
    maxUsers: rangedValue('MAX_USERS', env.MAX_USERS, 'maxUsers'),
    maxPercent: rangedValue('MAX_PERCENT', env.MAX_PERCENT, 'maxPercent'),
    disableConsoleAccess: booleanValue('DISABLE_CONSOLE_ACCESS', env.DISABLE_CONSOLE_ACCESS),
    reportBucket: requiredValue('REPORT_BUCKET', env.REPORT_BUCKET),
    topicArn: requiredValue('TOPIC_ARN', env.TOPIC_ARN),
    senderEmail: env.SENDER_EMAIL,
    emailDomain: env.EMAIL_DOMAIN,
    securityHub: booleanValue('SECURITY_HUB', env.SECURITY_HUB),
  };
}

const settings = settingsFromEnvironment();

export const handler = createNightlyHandler({
  settings,
  clients: {
    iam: createIamClient(),
    sts: createStsClient(),
    s3: awsClient(S3Client),
    sns: awsClient(SNSClient),
    ses: awsClient(SESClient),
    securityHub: settings.securityHub ? awsClient(SecurityHubClient) : undefined,
  },
  logger: new Logger(),
  metrics: new Metrics({ namespace: METRICS.namespace }),
});
