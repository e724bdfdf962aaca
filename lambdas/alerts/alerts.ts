import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SNSClient } from '@aws-sdk/client-sns';
import { classifyAlertEvent } from '../core/cloudtrail-events.ts';
import type { HandlerLogger } from '../handler-support.ts';
import { type AlertSettings, checkDeviceCount, raiseAlert } from '../use-cases/raise-alert.ts';

export type AlertOutcome = 'published' | 'suppressed' | 'ignored' | 'dropped';

/**
 * Sign-ins without MFA, root sign-ins, MFA removals, MFA devices enabled with
 * a long-term key or beside another device, and changes to RequireMFA → one
 * readable message on the security topic (see alertClaimKey for which ones
 * hold others back within the window). Federated sign-ins and sign-ins with
 * MFA are ignored; malformed events and events of another account are
 * logged with their id and dropped.
 */
export function createAlertsHandler(deps: {
  settings: AlertSettings;
  /** The account this function serves. */
  accountId: string;
  clients: { sns: SNSClient; dynamodb: DynamoDBClient; iam: IAMClient };
  /**
   * Organization mode: the members' events are alerted on too, and a member
   * user's devices are counted with this account's IAM client.
   */
  memberIam?: ((accountId: string) => Promise<IAMClient>) | undefined;
  logger: HandlerLogger;
  now?: () => Date;
}) {
  return async (event: unknown): Promise<AlertOutcome> => {
    const parsed = classifyAlertEvent(event, deps.accountId, deps.memberIam !== undefined);
    if (!parsed.ok) {
      deps.logger.warn('dropped an event this function does not handle', {
        eventId: parsed.eventId,
        reason: parsed.reason,
      });
      return 'dropped';
    }
    const iamOf = async (accountId: string) =>
      accountId === deps.accountId || deps.memberIam === undefined
        ? deps.clients.iam
        : deps.memberIam(accountId);
    const classified =
      'checkDevices' in parsed.value
        ? await checkDeviceCount(parsed.value, await iamOf(parsed.value.alert.accountId))
        : parsed.value;
    if ('ignored' in classified) {
      deps.logger.info('no alert', { eventId: classified.eventId, reason: classified.reason });
      return 'ignored';
    }
    const alert = classified;
    const outcome = await raiseAlert(alert, deps.settings, deps.clients, deps.now?.() ?? new Date());
    deps.logger.info(
      outcome === 'published' ? 'alert published' : 'alert suppressed: one went out within the window',
      {
        eventId: alert.eventId,
        kind: alert.kind,
        eventName: alert.eventName,
        userName: alert.userName,
        actorArn: alert.actorArn,
        sourceIp: alert.sourceIp,
      },
    );
    return outcome;
  };
}
