import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ALERT_TABLE_KEYS } from '../function-contract.ts';
import { awsCall, awsErrorName } from './aws-call-error.ts';

/**
 * Claims the right to send one alert for `alertKey` (kind and user) in the
 * window: a conditional write that succeeds when no claim is live. The same
 * event may claim again, so a retried invocation still sends the alert it
 * failed to send. DynamoDB's TTL removes claims later; the condition does
 * not rely on it, since TTL deletion can lag by days.
 */
export async function claimAlert(
  dynamodb: DynamoDBClient,
  tableName: string,
  claim: { alertKey: string; eventId: string; now: Date; windowMinutes: number },
): Promise<boolean> {
  const { partitionKey, ttlAttribute } = ALERT_TABLE_KEYS;
  const nowSeconds = Math.floor(claim.now.getTime() / 1000);
  try {
    await awsCall('dynamodb:PutItem', () =>
      dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            [partitionKey]: { S: claim.alertKey },
            [ttlAttribute]: { N: String(nowSeconds + claim.windowMinutes * 60) },
            eventId: { S: claim.eventId },
          },
          ConditionExpression: 'attribute_not_exists(#key) OR #expires <= :now OR eventId = :eventId',
          ExpressionAttributeNames: { '#key': partitionKey, '#expires': ttlAttribute },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) }, ':eventId': { S: claim.eventId } },
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof Error && awsErrorName(error.cause) === 'ConditionalCheckFailedException')
      return false;
    throw error;
  }
}
