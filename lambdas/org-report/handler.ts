/** The Lambda entry: the organization's report and summary, settings read at cold start. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { orgNightlySettingsFrom } from '../account-nightly/account-nightly.ts';
import { awsClient } from '../aws/aws-clients.ts';
import { FUNCTION_ENV, METRICS } from '../function-contract.ts';
import { accountIdValue, readEnvironment } from '../handler-support.ts';
import { createOrgReportHandler } from './org-report.ts';

const env = readEnvironment(FUNCTION_ENV.orgReport);

export const handler = createOrgReportHandler({
  settings: orgNightlySettingsFrom(env),
  clients: {
    s3: awsClient(S3Client),
    sns: awsClient(SNSClient),
    centralAccountId: accountIdValue('ACCOUNT_ID', env.ACCOUNT_ID),
  },
  logger: new Logger(),
  metrics: new Metrics({ namespace: METRICS.namespace }),
});
