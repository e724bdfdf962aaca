import { EVENTS } from '../function-contract.ts';
import { REQUIRE_MFA_POLICY_NAME } from './policies.ts';
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
  /** The account the user was created in: the function's own, or in organization mode a member's. */
  readonly accountId: string;
}

export type AlertKind =
  | 'console-sign-in-without-mfa'
  | 'root-sign-in'
  | 'mfa-device-removed'
  | 'require-mfa-policy-changed'
  | 'mfa-device-enabled';

/** Why an EnableMFADevice is alerted: signed with a long-term access key, or a user who now has several devices. */
export type EnrolmentConcern = 'long-term-key' | 'another-device';

export interface SecurityAlert {
  readonly kind: AlertKind;
  readonly eventId: string;
  readonly eventName: string;
  /** The IAM user concerned, or `root`; none for a change to the RequireMFA policy document. */
  readonly userName: string | undefined;
  /** Who did it: the sign-in's or the call's identity ARN. */
  readonly actorArn: string;
  readonly eventTime: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly region: string;
  readonly accountId: string;
  /** Sign-ins: whether MFA was used. API calls: whether the caller's session was MFA-authenticated (none with a long-term key). */
  readonly mfaUsed?: boolean | undefined;
  /** MFA removal or enrolment: the device's serial. */
  readonly serialNumber?: string | undefined;
  /** Set when AWS refused the call: it was attempted, and nothing changed. */
  readonly errorCode?: string | undefined;
  /** RequireMFA changes: the policy's ARN, the version concerned, whether a new version was made the default. */
  readonly policyArn?: string | undefined;
  readonly versionId?: string | undefined;
  readonly setAsDefault?: boolean | undefined;
  /** The access key that signed the call (`AKIA…` long-term, `ASIA…` temporary). */
  readonly accessKeyId?: string | undefined;
  /** MFA device enabled: why it is alerted. */
  readonly enrolment?: EnrolmentConcern | undefined;
  /** MFA device enabled for a user who now has several: the user's devices, read after the event. */
  readonly devices?: readonly string[] | undefined;
}

/** An event that is well-formed but needs no alert (federated sign-in, MFA used, a failed sign-in). */
export interface IgnoredEvent {
  readonly ignored: true;
  readonly eventId: string;
  readonly reason: string;
}

/**
 * An MFA device enabled for an IAM user with temporary credentials: an alert
 * only if the user now has more than one device, which only IAM can say.
 */
export interface DeviceCountCheck {
  readonly checkDevices: true;
  /** The alert to raise if the user has more than one device now. */
  readonly alert: SecurityAlert & { readonly userName: string };
}

const CONSOLE_SIGN_IN_TYPES: ReadonlySet<string> = new Set(EVENTS.consoleSignIn.detailTypes);
const MFA_REMOVAL_CALLS: ReadonlySet<string> = new Set(EVENTS.mfaRemoval);
const POLICY_DOCUMENT_CALLS: ReadonlySet<string> = new Set(EVENTS.requireMfaPolicyChanges.document);
const ROOT_USER_NAME = 'root';
/** How CloudTrail names root in the requestParameters of MFA device calls. */
const ROOT_IN_REQUEST = 'AWS ROOT USER';
/** Access key ids of long-term keys (an IAM user's or root's); temporary credentials start `ASIA`. */
const LONG_TERM_KEY_PREFIX = 'AKIA';

/** Whether a call on a RequireMFA change is about this account's own RequireMFA (any partition). */
export function isOwnRequireMfaArn(policyArn: string, ownAccountId: string): boolean {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):policy\/([^/]+)$/.exec(policyArn);
  return match?.[1] === ownAccountId && match[2] === REQUIRE_MFA_POLICY_NAME;
}

export function parseCreateUserEvent(
  event: unknown,
  ownAccountId: string,
  organization = false,
): ParsedEvent<CreatedUser> {
  const envelope = readEnvelope(event, ownAccountId, organization);
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
    value: {
      eventId,
      userName,
      createdBy: text(record(detail.userIdentity)?.arn) ?? 'unknown',
      accountId: envelope.value.accountId,
    },
  };
}

/**
 * What the alert function makes of an event: an alert, an event it ignores on
 * purpose, a device count to check first, or a rejection of something
 * malformed or of another account. The rules already filter; this checks
 * again, so a too-wide rule cannot flood the topic.
 */
export function classifyAlertEvent(
  event: unknown,
  ownAccountId: string,
  organization = false,
): ParsedEvent<SecurityAlert | IgnoredEvent | DeviceCountCheck> {
  const envelope = readEnvelope(event, ownAccountId, organization);
  if (!envelope.ok) return envelope;
  const { eventId, source, detailType, detail, accountId, region } = envelope.value;
  const identity = record(detail.userIdentity);
  const identityType = text(identity?.type);
  const sessionMfa = text(record(record(identity?.sessionContext)?.attributes)?.mfaAuthenticated);
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

  if (source !== EVENTS.iamApiCall.source || detailType !== EVENTS.iamApiCall.detailType) {
    return reject(eventId, `not an event this function handles (source ${source}, ${detailType})`);
  }
  const request = record(detail.requestParameters);
  const errorCode = text(detail.errorCode);
  const call = {
    ...common,
    mfaUsed: sessionMfa === undefined ? undefined : sessionMfa === 'true',
    accessKeyId: text(identity?.accessKeyId),
  };
  // Self-service calls may omit userName: the caller is the user. Root shows as `AWS ROOT USER`.
  const named = text(request?.userName);
  const isRoot = named === ROOT_IN_REQUEST || (named === undefined && identityType === 'Root');
  const concerned = isRoot ? ROOT_USER_NAME : (named ?? text(identity?.userName));

  if (MFA_REMOVAL_CALLS.has(common.eventName)) {
    if (errorCode !== undefined) return ignore(`${common.eventName} failed: no device was removed`);
    // DeleteVirtualMFADevice never names a user (only an unassigned device can be deleted): the caller it is.
    return {
      ok: true,
      value: {
        ...call,
        kind: 'mfa-device-removed',
        userName: concerned ?? common.actorArn,
        serialNumber: text(request?.serialNumber),
      },
    };
  }

  if (common.eventName === EVENTS.mfaEnable) {
    if (concerned === undefined) return reject(eventId, 'EnableMFADevice event without a user name');
    const alert = {
      ...call,
      kind: 'mfa-device-enabled' as const,
      userName: concerned,
      serialNumber: text(request?.serialNumber),
      errorCode,
    };
    if (call.accessKeyId?.startsWith(LONG_TERM_KEY_PREFIX)) {
      // A leaked key can enrol its holder's own device (AWS-2023-001): alert, even when AWS refused it.
      return { ok: true, value: { ...alert, enrolment: 'long-term-key' } };
    }
    if (errorCode !== undefined) {
      return ignore(`EnableMFADevice refused (${errorCode}) with temporary credentials: no device was added`);
    }
    if (isRoot) {
      return ignore('root enabled an MFA device with temporary credentials (the console): expected');
    }
    return { ok: true, value: { checkDevices: true, alert: { ...alert, enrolment: 'another-device' } } };
  }

  const isDocumentCall = POLICY_DOCUMENT_CALLS.has(common.eventName);
  if (isDocumentCall || common.eventName === EVENTS.requireMfaPolicyChanges.detach) {
    const policyArn = text(request?.policyArn);
    if (policyArn === undefined) return reject(eventId, `${common.eventName} event without a policyArn`);
    // The event's account: the function's own, or in organization mode the member's whose RequireMFA it is.
    if (!isOwnRequireMfaArn(policyArn, accountId)) {
      return ignore(`${common.eventName} on ${policyArn}: not this account's ${REQUIRE_MFA_POLICY_NAME}`);
    }
    const userName = isDocumentCall ? undefined : named;
    if (!isDocumentCall && userName === undefined)
      return reject(eventId, 'DetachUserPolicy event without a user name');
    const created = record(record(detail.responseElements)?.policyVersion);
    const setAsDefault = request?.setAsDefault;
    return {
      ok: true,
      value: {
        ...call,
        kind: 'require-mfa-policy-changed',
        userName,
        policyArn,
        errorCode,
        versionId: text(request?.versionId) ?? text(created?.versionId),
        setAsDefault:
          common.eventName === 'CreatePolicyVersion'
            ? setAsDefault === true || setAsDefault === 'true'
            : undefined,
      },
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

/**
 * The EventBridge envelope, read and checked. An event of another account
 * (the envelope's `account`, or CloudTrail's `recipientAccountId`, missing
 * counting as another) is rejected: the functions serve their own account.
 * In organization mode they serve the members' too, whose events only the
 * organization's accounts can put on the central bus (its policy); the two
 * fields must still name one and the same account.
 */
function readEnvelope(event: unknown, ownAccountId: string, organization: boolean): ParsedEvent<Envelope> {
  const e = record(event);
  const eventId = text(e?.id) ?? 'unknown';
  const detail = record(e?.detail);
  const source = text(e?.source);
  const detailType = text(e?.['detail-type']);
  if (e === undefined || detail === undefined || source === undefined || detailType === undefined) {
    return reject(eventId, 'not an EventBridge event (no source, detail-type or detail)');
  }
  const account = text(e.account);
  const recipient = text(detail.recipientAccountId);
  if (organization) {
    if (account === undefined || !ACCOUNT_ID.test(account) || recipient !== account) {
      return reject(
        eventId,
        `an event whose account (${account ?? 'none'}) and recipientAccountId (${recipient ?? 'none'}) are not one and the same account: not handled`,
      );
    }
  } else if (account !== ownAccountId || recipient !== ownAccountId) {
    return reject(
      eventId,
      `an event of another account (account ${account ?? 'none'}, recipientAccountId ${recipient ?? 'none'}; this function serves ${ownAccountId}): events of other accounts are not handled`,
    );
  }
  return {
    ok: true,
    value: {
      eventId,
      source,
      detailType,
      detail,
      time: text(e.time) ?? '',
      accountId: account,
      region: text(e.region) ?? '',
    },
  };
}

const ACCOUNT_ID = /^\d{12}$/;

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
