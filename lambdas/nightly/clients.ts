/** The nightly run's SDK clients in Lambda: the nightly function's, and one account's of the organization's run. */
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SESClient } from '@aws-sdk/client-ses';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClient, createIamClient } from '../aws/aws-clients.ts';
import { createStsClient } from '../aws/caller-identity.ts';
import type { NightlyClients } from '../use-cases/nightly-run.ts';

/** Security Hub's client only when the run imports findings: loading a client costs cold-start time. */
export function nightlyClients(securityHub: boolean): NightlyClients {
  return {
    iam: createIamClient(),
    sts: createStsClient(),
    s3: awsClient(S3Client),
    sns: awsClient(SNSClient),
    ses: awsClient(SESClient),
    securityHub: securityHub ? awsClient(SecurityHubClient) : undefined,
  };
}
