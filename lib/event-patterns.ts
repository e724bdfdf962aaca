/**
 * The EventBridge rules that start the functions, as data: each rule's id,
 * description and event pattern. The us-east-1 stack subscribes the functions
 * with them, and each regional stack forwards the same alert events, so both
 * match with the very same pattern objects.
 */
import { type EventPattern, Match } from 'aws-cdk-lib/aws-events';
import { EVENTS } from '../lambdas/function-contract.ts';

export interface EventRule {
  /** The rule's construct id (in the function construct, or in a regional stack). */
  readonly id: string;
  readonly description: string;
  readonly eventPattern: EventPattern;
}

const { iamApiCall, consoleSignIn, requireMfaPolicyChanges } = EVENTS;

/** IAM calls recorded by CloudTrail: these calls, and whatever else the detail must match. */
function iamCalls(eventNames: readonly string[], detail: Record<string, unknown> = {}): EventPattern {
  return {
    source: [iamApiCall.source],
    detailType: [iamApiCall.detailType],
    detail: { eventSource: [iamApiCall.eventSource], eventName: [...eventNames], ...detail },
  };
}

/** A new IAM user: what onboarding handles. */
export const CREATE_USER_RULE: EventRule = {
  id: 'CreateUserRule',
  description: 'awssec iam-mfa: a new IAM user (CreateUser, via CloudTrail)',
  eventPattern: iamCalls([EVENTS.createUser]),
};

/**
 * What the alerts function handles: console sign-ins, which CloudTrail records
 * in the sign-in endpoint's region, then IAM calls, recorded in us-east-1.
 */
export const ALERT_RULES: readonly EventRule[] = [
  {
    id: 'ConsoleSignInWithoutMfaRule',
    description: 'awssec iam-mfa: an IAM user signed in to the console without MFA',
    eventPattern: {
      source: [consoleSignIn.source],
      detailType: [...consoleSignIn.detailTypes],
      detail: {
        eventName: [consoleSignIn.eventName],
        userIdentity: { type: ['IAMUser'] },
        responseElements: { ConsoleLogin: ['Success'] },
        additionalEventData: { MFAUsed: Match.anythingBut('Yes') },
      },
    },
  },
  {
    id: 'RootSignInRule',
    description: 'awssec iam-mfa: a console sign-in as root',
    eventPattern: {
      source: [consoleSignIn.source],
      detailType: [...consoleSignIn.detailTypes],
      detail: { eventName: [consoleSignIn.eventName], userIdentity: { type: ['Root'] } },
    },
  },
  {
    id: 'MfaDeviceRemovedRule',
    description: 'awssec iam-mfa: an MFA device deactivated or deleted',
    eventPattern: iamCalls(EVENTS.mfaRemoval),
  },
  {
    id: 'MfaDeviceEnabledRule',
    description:
      'awssec iam-mfa: an MFA device enabled (the function alerts on a long-term key, or a user with several devices)',
    eventPattern: iamCalls([EVENTS.mfaEnable]),
  },
  {
    id: 'RequireMfaPolicyChangedRule',
    description:
      'awssec iam-mfa: the RequireMFA policy changed, deleted or detached (attempts refused by AWS included)',
    eventPattern: iamCalls([...requireMfaPolicyChanges.document, requireMfaPolicyChanges.detach], {
      requestParameters: { policyArn: Match.suffix(requireMfaPolicyChanges.policyArnSuffix) },
    }),
  },
];
