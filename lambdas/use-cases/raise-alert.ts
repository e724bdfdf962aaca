import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { claimAlert, markAlertSent } from '../aws/alert-store.ts';
import { listMfaDevices } from '../aws/mfa-devices.ts';
import { publish } from '../aws/topic.ts';
import { alertClaimKey } from '../core/alert-dedupe.ts';
import type { DeviceCountCheck, IgnoredEvent, SecurityAlert } from '../core/cloudtrail-events.ts';
import { alertMessage } from '../core/messages.ts';

export interface AlertSettings {
  readonly topicArn: string;
  readonly alertTable: string;
  readonly windowMinutes: number;
}

/**
 * Publishes the alert unless one with the same key (see alertClaimKey) went
 * out within the window, or this event's alert already went out (a retry);
 * an alert without a key always goes out.
 */
export async function raiseAlert(
  alert: SecurityAlert,
  settings: AlertSettings,
  clients: { readonly sns: SNSClient; readonly dynamodb: DynamoDBClient },
  now: Date,
): Promise<'published' | 'suppressed'> {
  const alertKey = alertClaimKey(alert);
  if (alertKey === undefined) {
    await publish(clients.sns, settings.topicArn, alertMessage(alert));
    return 'published';
  }
  const claim = { alertKey, eventId: alert.eventId, now, windowMinutes: settings.windowMinutes };
  if (!(await claimAlert(clients.dynamodb, settings.alertTable, claim))) return 'suppressed';
  await publish(clients.sns, settings.topicArn, alertMessage(alert));
  await markAlertSent(clients.dynamodb, settings.alertTable, claim);
  return 'published';
}

/**
 * An MFA device enabled for an IAM user with temporary credentials: the
 * alert, with the user's devices, when the user now has more than one;
 * otherwise why there is none.
 */
export async function checkDeviceCount(
  check: DeviceCountCheck,
  iam: IAMClient,
): Promise<SecurityAlert | IgnoredEvent> {
  const { alert } = check;
  const ignored = (reason: string): IgnoredEvent => ({ ignored: true, eventId: alert.eventId, reason });
  const devices = await listMfaDevices(iam, alert.userName);
  if (devices === undefined) return ignored(`EnableMFADevice for ${alert.userName}, who no longer exists`);
  if (devices.length <= 1) return ignored(`EnableMFADevice gave ${alert.userName} their only MFA device`);
  return { ...alert, devices: devices.map((device) => device.serialNumber) };
}
