import { EVENTS } from '../function-contract.ts';
import { isUserName } from './user-selection.ts';

/**
 * The EventBridge events the functions receive, read from `unknown`: an event
 * that is not what it claims is rejected with a reason (and the handler logs
 * it and drops it), never half-read. Shapes: AWS-FACTS.md, "Events".
 */

export type ParsedEvent<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: string; readonly eventId: string };

export interface CreatedUser {
  readonly eventId: string;
  readonly userName: string;
  /** Who created the user (the CloudTrail identity's ARN), for the log. */
  readonly createdBy: string;
}

export type AlertKind = 'console-sign-in-without-mfa' | 'root-sign-in' | 'mfa-device-removed';

export interface SecurityAlert {
  readonly kind: AlertKind;
  readonly eventId: string;
  /** The IAM user concerned, or `root`. */
  readonly userName: string;
  /** Who did it: the sign-in's or the call's identity ARN. */
  readonly actorArn: string;
  readonly eventTime: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly region: string;
  readonly accountId: string;
  /** Root sign-in: whether MFA was used. */
  readonly mfaUsed?: boolean | undefined;
  /** MFA removal: the device's serial and the call. */
  readonly serialNumber?: string | undefined;
  readonly eventName: string;
}

/** An event that is well-formed but needs no alert (federated sign-in, MFA used, a failed sign-in). */
export interface IgnoredEvent {
  readonly ignored: true;
  readonly eventId: string;
  readonly reason: string;
}

const CONSOLE_SIGN_IN_TYPES: ReadonlySet<string> = new Set(EVENTS.consoleSignIn.detailTypes);
const MFA_REMOVAL_CALLS: ReadonlySet<string> = new Set(EVENTS.mfaRemoval);
const ROOT_USER_NAME = 'root';

export function parseCreateUserEvent(event: unknown): ParsedEvent<CreatedUser> {
  const envelope = readEnvelope(event);
  if (!envelope.ok) return envelope;
  const { eventId, source, detailType, detail } = envelope.value;
  if (
    source !== EVENTS.iamApiCall.source ||
    detailType !== EVENTS.iamApiCall.detailType ||
    text(detail.eventName) !== EVENTS.createUser
  ) {
    return reject(
      eventId,
      `not a CreateUser call (source ${source}, ${detailType}, ${text(detail.eventName) ?? 'no eventName'})`,
    );
  }
  if (text(detail.errorCode) !== undefined) {
    return reject(eventId, `CreateUser failed (${text(detail.errorCode)}): no user was created`);
  }
  const response = record(record(detail.responseElements)?.user);
  const userName = text(response?.userName) ?? text(record(detail.requestParameters)?.userName);
  if (userName === undefined) return reject(eventId, 'CreateUser event without a user name');
  if (!isUserName(userName)) return reject(eventId, `'${userName}' is not an IAM user name`);
  return {
    ok: true,
    value: { eventId, userName, createdBy: text(record(detail.userIdentity)?.arn) ?? 'unknown' },
  };
}

/**
 * What the alert function makes of an event: an alert, an event it ignores on
 * purpose, or a rejection of something malformed. The rules already filter;
 * this checks again, so a too-wide rule cannot flood the topic.
 */
export function classifyAlertEvent(event: unknown): ParsedEvent<SecurityAlert | IgnoredEvent> {
  const envelope = readEnvelope(event);
  if (!envelope.ok) return envelope;
  const { eventId, source, detailType, detail, accountId, region } = envelope.value;
  const identity = record(detail.userIdentity);
  const identityType = text(identity?.type);
  const common = {
    eventId,
    eventName: text(detail.eventName) ?? '',
    actorArn: text(identity?.arn) ?? 'unknown',
    eventTime: text(detail.eventTime) ?? envelope.value.time,
    sourceIp: text(detail.sourceIPAddress) ?? 'unknown',
    userAgent: text(detail.userAgent) ?? 'unknown',
    region: text(detail.awsRegion) ?? region,
    accountId,
  };
  const ignore = (reason: string): ParsedEvent<IgnoredEvent> => ({
    ok: true,
    value: { ignored: true, eventId, reason },
  });

  if (source === EVENTS.consoleSignIn.source && CONSOLE_SIGN_IN_TYPES.has(detailType)) {
    if (common.eventName !== EVENTS.consoleSignIn.eventName)
      return reject(eventId, `unexpected sign-in event ${common.eventName}`);
    if (text(record(detail.responseElements)?.ConsoleLogin) !== 'Success') {
      return ignore('a failed sign-in: nobody got in');
    }
    const mfaUsed = text(record(detail.additionalEventData)?.MFAUsed) === 'Yes';
    if (identityType === 'Root') {
      return { ok: true, value: { ...common, kind: 'root-sign-in', userName: ROOT_USER_NAME, mfaUsed } };
    }
    if (identityType !== 'IAMUser') {
      // SSO, SAML and other federated sign-ins never record MFA here: their MFA is the identity provider's.
      return ignore(`a sign-in as ${identityType ?? 'unknown'} (federated or role): not an IAM user's MFA`);
    }
    if (mfaUsed) return ignore('signed in with MFA');
    const userName = text(identity?.userName);
    if (userName === undefined) return reject(eventId, 'IAM user sign-in without a user name');
    return { ok: true, value: { ...common, kind: 'console-sign-in-without-mfa', userName, mfaUsed: false } };
  }

  if (
    source === EVENTS.iamApiCall.source &&
    detailType === EVENTS.iamApiCall.detailType &&
    MFA_REMOVAL_CALLS.has(common.eventName)
  ) {
    if (text(detail.errorCode) !== undefined)
      return ignore(`${common.eventName} failed: no device was removed`);
    const request = record(detail.requestParameters);
    const named = text(request?.userName);
    // Self-service calls may omit userName: the caller is the user. Root shows as `AWS ROOT USER`.
    // DeleteVirtualMFADevice never names a user (only an unassigned device can be deleted): the caller it is.
    const userName =
      named === 'AWS ROOT USER' || (named === undefined && identityType === 'Root')
        ? ROOT_USER_NAME
        : (named ?? text(identity?.userName) ?? common.actorArn);
    return {
      ok: true,
      value: { ...common, kind: 'mfa-device-removed', userName, serialNumber: text(request?.serialNumber) },
    };
  }
  return reject(eventId, `not an event this function handles (source ${source}, ${detailType})`);
}

interface Envelope {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  readonly time: string;
  readonly accountId: string;
  readonly region: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

function readEnvelope(event: unknown): ParsedEvent<Envelope> {
  const e = record(event);
  const eventId = text(e?.id) ?? 'unknown';
  const detail = record(e?.detail);
  const source = text(e?.source);
  const detailType = text(e?.['detail-type']);
  if (e === undefined || detail === undefined || source === undefined || detailType === undefined) {
    return reject(eventId, 'not an EventBridge event (no source, detail-type or detail)');
  }
  return {
    ok: true,
    value: {
      eventId,
      source,
      detailType,
      detail,
      time: text(e.time) ?? '',
      accountId: text(e.account) ?? '',
      region: text(e.region) ?? '',
    },
  };
}

function reject(eventId: string, reason: string): { ok: false; reason: string; eventId: string } {
  return { ok: false, reason, eventId };
}

function record(value: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
