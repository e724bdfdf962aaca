/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { FUNCTION_ENV } from '../function-contract.ts';
import { accountIdValue, rangedValue, readEnvironment, requiredValue } from '../handler-support.ts';
import type { AlertSettings } from '../use-cases/raise-alert.ts';
import { createAlertsHandler } from './alerts.ts';

const env = readEnvironment(FUNCTION_ENV.alerts);

function settingsFromEnvironment(): AlertSettings {
  return {
    topicArn: requiredValue('TOPIC_ARN', env.TOPIC_ARN),
    alertTable: requiredValue('ALERT_TABLE', env.ALERT_TABLE),
    windowMinutes: rangedValue('ALERT_WINDOW_MINUTES', env.ALERT_WINDOW_MINUTES, 'alertWindowMinutes'),
  };
}

export const handler = createAlertsHandler({
  settings: settingsFromEnvironment(),
  accountId: accountIdValue('ACCOUNT_ID', env.ACCOUNT_ID),
  clients: {
    sns: awsClient(SNSClient),
    dynamodb: awsClient(DynamoDBClient),
    iam: createIamClient(),
  },
  logger: new Logger(),
});
