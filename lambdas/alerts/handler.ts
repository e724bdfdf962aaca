/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { memberAccountClients } from '../aws/member-accounts.ts';
import { FUNCTION_ENV, MEMBER_ROLE_NAMES } from '../function-contract.ts';
import {
  accountIdValue,
  organizationIdValue,
  rangedValue,
  readEnvironment,
  requiredValue,
} from '../handler-support.ts';
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

// Organization mode: a member user's MFA devices are counted through that account's audit role.
const memberClients =
  organizationIdValue('ORGANIZATION_ID', env.ORGANIZATION_ID) === undefined
    ? undefined
    : memberAccountClients({ sts: createStsClient() }, MEMBER_ROLE_NAMES.audit);

export const handler = createAlertsHandler({
  settings: settingsFromEnvironment(),
  accountId: accountIdValue('ACCOUNT_ID', env.ACCOUNT_ID),
  clients: {
    sns: awsClient(SNSClient),
    dynamodb: awsClient(DynamoDBClient),
    iam: createIamClient(),
  },
  memberIam:
    memberClients === undefined
      ? undefined
      : async (accountId: string) => (await memberClients(accountId)).iam,
  logger: new Logger(),
});
