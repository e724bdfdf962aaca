/** The Lambda entry: settings read from the environment at cold start, real clients, Powertools. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import { FUNCTION_ENV, METRICS } from '../function-contract.ts';
import { readEnvironment } from '../handler-support.ts';
import { createNightlyHandler, nightlySettingsFrom } from './nightly.ts';

const settings = nightlySettingsFrom(readEnvironment(FUNCTION_ENV.nightly));

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
