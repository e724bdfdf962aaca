/** The Lambda entry: one account of the organization's night, settings read at cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { FUNCTION_ENV } from '../function-contract.ts';
import { readEnvironment } from '../handler-support.ts';
import { createAccountNightlyHandler, orgNightlySettingsFrom } from './account-nightly.ts';

const settings = orgNightlySettingsFrom(readEnvironment(FUNCTION_ENV.accountNightly));

export const handler = createAccountNightlyHandler({
  settings,
  clients: {
    iam: createIamClient(),
    sts: createStsClient(),
    s3: awsClient(S3Client),
    sns: awsClient(SNSClient),
    ses: awsClient(SESClient),
    securityHub: settings.securityHub ? awsClient(SecurityHubClient) : undefined,
    settings: {},
  },
  logger: new Logger(),
});
