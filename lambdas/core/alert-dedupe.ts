import { createHash } from 'node:crypto';
import { EVENTS } from '../function-contract.ts';
import type { SecurityAlert } from './cloudtrail-events.ts';

/** Longer keys are hashed: DynamoDB allows 2,048 bytes, and the parts come from the event. */
const KEY_MAX = 512;

/**
 * Which alerts hold each other back within the window: alerts with the same
 * key send once. Undefined means the alert is never held back.
 *
 * - A root sign-in without MFA always goes out.
 * - Sign-ins and MFA removals: the kind, the call, the user, the source IP and
 *   the MFA flag. A sign-in from another address, or without MFA after one
 *   with it, is news.
 * - Changes to the RequireMFA document: the event itself, so only a retry of
 *   the same event is held back. Detaching it: the user, the caller and
 *   whether AWS refused it.
 * - MFA device enabled: the user, the caller, the device, the source IP, the
 *   MFA flag and whether AWS refused it.
 */
export function alertClaimKey(alert: SecurityAlert): string | undefined {
  const user = (alert.userName ?? '').toLowerCase();
  const mfa = alert.mfaUsed === undefined ? 'mfa-unknown' : alert.mfaUsed ? 'mfa' : 'no-mfa';
  const outcome = alert.errorCode === undefined ? 'done' : 'refused';
  let parts: string[];
  switch (alert.kind) {
    case 'root-sign-in':
      if (alert.mfaUsed !== true) return undefined;
      parts = [alert.eventName, user, alert.sourceIp, mfa];
      break;
    case 'console-sign-in-without-mfa':
    case 'mfa-device-removed':
      parts = [alert.eventName, user, alert.sourceIp, mfa];
      break;
    case 'require-mfa-policy-changed':
      parts =
        alert.eventName === EVENTS.requireMfaPolicyChanges.detach
          ? [alert.eventName, user, alert.actorArn, outcome]
          : ['event', alert.eventId];
      break;
    case 'mfa-device-enabled':
      parts = [alert.eventName, user, alert.actorArn, alert.serialNumber ?? '', alert.sourceIp, mfa, outcome];
      break;
  }
  // Each part encoded, so a `#` in a value from the event cannot make two keys alike.
  const key = [alert.kind, ...parts.map(encodeURIComponent)].join('#');
  return key.length <= KEY_MAX
    ? key
    : `${alert.kind}#sha256:${createHash('sha256').update(key).digest('hex')}`;
}
