import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ALERT_TABLE_KEYS } from '../../lambdas/function-contract.ts';
import type { MotoServer } from './moto.ts';

/** What moto's SES accepted for sending, from GET /moto-api/data.json. */
export interface SentMail {
  readonly source: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
}

/** What moto's SNS accepted for a topic. */
export interface PublishedMessage {
  readonly subject: string;
  readonly message: string;
}

interface MotoData {
  readonly ses?: {
    readonly Message?: readonly {
      source: string;
      destinations: { ToAddresses?: string[] };
      subject: string;
      body: string;
    }[];
  };
  readonly sns?: {
    readonly Topic?: readonly {
      arn: string;
      sent_notifications: readonly [string, string, string | null, ...unknown[]][];
    }[];
  };
}

export async function sentMail(moto: MotoServer): Promise<SentMail[]> {
  const data = (await moto.data()) as MotoData;
  return (data.ses?.Message ?? []).map((m) => ({
    source: m.source,
    to: m.destinations.ToAddresses ?? [],
    subject: m.subject,
    body: m.body,
  }));
}

export async function publishedMessages(moto: MotoServer, topicArn: string): Promise<PublishedMessage[]> {
  const data = (await moto.data()) as MotoData;
  const topic = (data.sns?.Topic ?? []).find((t) => t.arn === topicArn);
  return (topic?.sent_notifications ?? []).map(([, message, subject]) => ({
    subject: subject ?? '',
    message,
  }));
}

/** A logger that keeps what the handler logged, for assertions. */
export function recordingLogger() {
  const entries: {
    level: 'info' | 'warn' | 'error';
    message: string;
    attributes: Record<string, unknown>;
  }[] = [];
  const log =
    (level: 'info' | 'warn' | 'error') => (message: string, attributes: Record<string, unknown>) => {
      entries.push({ level, message, attributes });
    };
  return { entries, logger: { info: log('info'), warn: log('warn'), error: log('error') } };
}

/** The alert function's table, as the stack makes it: one key, on demand. */
export async function createAlertTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: ALERT_TABLE_KEYS.partitionKey, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: ALERT_TABLE_KEYS.partitionKey, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
