import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSClient } from '@aws-sdk/client-sns';
import { classifyAlertEvent } from '../core/cloudtrail-events.ts';
import type { HandlerLogger } from '../handler-support.ts';
import { type AlertSettings, raiseAlert } from '../use-cases/raise-alert.ts';

export type AlertOutcome = 'published' | 'suppressed' | 'ignored' | 'dropped';

/**
 * Sign-ins without MFA, root sign-ins and MFA removals → one readable message
 * on the security topic, at most one per user and kind in the window.
 * Federated sign-ins and sign-ins with MFA are ignored; malformed events are
 * logged with their id and dropped.
 */
export function createAlertsHandler(deps: {
  settings: AlertSettings;
  clients: { sns: SNSClient; dynamodb: DynamoDBClient };
  logger: HandlerLogger;
  now?: () => Date;
}) {
  return async (event: unknown): Promise<AlertOutcome> => {
    const parsed = classifyAlertEvent(event);
    if (!parsed.ok) {
      deps.logger.warn('dropped an event this function does not handle', {
        eventId: parsed.eventId,
        reason: parsed.reason,
      });
      return 'dropped';
    }
    if ('ignored' in parsed.value) {
      deps.logger.info('no alert', { eventId: parsed.value.eventId, reason: parsed.value.reason });
      return 'ignored';
    }
    const alert = parsed.value;
    const outcome = await raiseAlert(alert, deps.settings, deps.clients, deps.now?.() ?? new Date());
    deps.logger.info(
      outcome === 'published' ? 'alert published' : 'alert suppressed: one went out within the window',
      {
        eventId: alert.eventId,
        kind: alert.kind,
        userName: alert.userName,
        sourceIp: alert.sourceIp,
      },
    );
    return outcome;
  };
}
