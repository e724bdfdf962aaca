import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ALERT_TABLE_KEYS } from '../function-contract.ts';
import { awsCall, awsErrorName } from './aws-call-error.ts';

export interface AlertClaim {
  readonly alertKey: string;
  readonly eventId: string;
  readonly now: Date;
  readonly windowMinutes: number;
}

/**
 * Claims the right to send one alert for `alertKey` (see alertClaimKey) in
 * the window: a conditional write that succeeds when no claim is live. The
 * same event may claim again until its alert is marked sent (markAlertSent),
 * so a retried invocation still sends the alert it failed to send, and a
 * retry after the alert went out sends nothing. DynamoDB's TTL removes claims
 * later; the condition does not rely on it, since TTL deletion can lag by days.
 */
export async function claimAlert(
  dynamodb: DynamoDBClient,
  tableName: string,
  claim: AlertClaim,
): Promise<boolean> {
  const { partitionKey, ttlAttribute } = ALERT_TABLE_KEYS;
  try {
    await awsCall('dynamodb:PutItem', () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: claimItem(claim, false),
          ConditionExpression:
            'attribute_not_exists(#key) OR #expires <= :now OR (eventId = :eventId AND attribute_not_exists(sent))',
          ExpressionAttributeNames: { '#key': partitionKey, '#expires': ttlAttribute },
          ExpressionAttributeValues: {
            ':now': { N: String(epochSeconds(claim.now)) },
            ':eventId': { S: claim.eventId },
          },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Records that the claimed alert went out, so a retry of the same event sends nothing. */
export async function markAlertSent(
  dynamodb: DynamoDBClient,
  tableName: string,
  claim: AlertClaim,
): Promise<void> {
  try {
    await awsCall('dynamodb:PutItem', () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: claimItem(claim, true),
          // Only over this event's own claim: another event's, made after the window, stays.
          ConditionExpression: 'eventId = :eventId',
          ExpressionAttributeValues: { ':eventId': { S: claim.eventId } },
        }),
      ),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

function claimItem(claim: AlertClaim, sent: boolean) {
  const { partitionKey, ttlAttribute } = ALERT_TABLE_KEYS;
  return {
    [partitionKey]: { S: claim.alertKey },
    [ttlAttribute]: { N: String(epochSeconds(claim.now) + claim.windowMinutes * 60) },
    eventId: { S: claim.eventId },
    ...(sent ? { sent: { BOOL: true } } : {}),
  };
}

function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && awsErrorName(error.cause) === 'ConditionalCheckFailedException';
}
