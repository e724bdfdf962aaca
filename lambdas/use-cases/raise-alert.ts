import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { claimAlert } from '../aws/alert-store.ts';
import { publish } from '../aws/messaging.ts';
import type { SecurityAlert } from '../core/cloudtrail-events.ts';
import { alertMessage } from '../core/messages.ts';

export interface AlertSettings {
  readonly topicArn: string;
  readonly alertTable: string;
  readonly windowMinutes: number;
}

/** Publishes the alert unless one of the same kind for the same user went out within the window. */
export async function raiseAlert(
  alert: SecurityAlert,
  settings: AlertSettings,
  clients: { readonly sns: SNSClient; readonly dynamodb: DynamoDBClient },
  now: Date,
): Promise<'published' | 'suppressed'> {
  const claimed = await claimAlert(clients.dynamodb, settings.alertTable, {
    // The call is part of the key: deleting a spare device must not silence deactivating one's own MFA.
    alertKey: `${alert.kind}#${alert.eventName}#${alert.userName.toLowerCase()}`,
    eventId: alert.eventId,
    now,
    windowMinutes: settings.windowMinutes,
  });
  if (!claimed) return 'suppressed';
  await publish(clients.sns, settings.topicArn, alertMessage(alert));
  return 'published';
}
