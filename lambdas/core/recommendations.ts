import type { RootMfaKind } from './account-findings.ts';
import { isoDate, type UserAssessment } from './assessment.ts';
import { REPAIR_COMMAND } from './policy-integrity.ts';
import type { RequireMfaPolicyStatus } from './user-facts.ts';

export interface RecommendationFacts {
  readonly assessments: readonly UserAssessment[];
  readonly account: {
    readonly root_has_credentials: boolean;
    readonly root_mfa_enabled: boolean;
    readonly root_mfa_kind: RootMfaKind | null;
    readonly root_access_keys_present: boolean;
    readonly groups_without_mfa_policy: readonly string[];
    readonly require_mfa_policy: { readonly arn: string; readonly status: RequireMfaPolicyStatus };
  };
}

/** A recommendation rule: advice when it applies. */
type RecommendationRule = (facts: RecommendationFacts) => string | undefined;

const rootWithoutMfa: RecommendationRule = ({ account }) =>
  account.root_mfa_enabled || !account.root_has_credentials
    ? undefined
    : "Enable MFA on the root user now, preferably a FIDO security key or hardware token kept offline: AWS asks for one only at root's next console sign-in, and never for its access keys.";

const rootWithVirtualMfa: RecommendationRule = ({ account }) =>
  account.root_mfa_kind === 'virtual'
    ? 'Move the root user from a virtual MFA device to a FIDO security key or hardware token.'
    : undefined;

const rootAccessKeys: RecommendationRule = ({ account }) =>
  account.root_access_keys_present
    ? "Delete the root user's access keys: nothing should call AWS as root."
    : undefined;

const consoleWithoutMfa: RecommendationRule = ({ assessments }) => {
  const users = assessments.filter((a) => a.status === 'non-compliant' && a.consoleAccess);
  return users.length === 0
    ? undefined
    : `Console passwords without MFA: ${count(users.length, 'user')} (${names(users)}). Have them register an MFA device, or remove passwords nobody uses.`;
};

const keysWithoutMfa: RecommendationRule = ({ assessments }) => {
  const users = assessments.filter((a) => a.status === 'non-compliant' && a.activeAccessKeys > 0);
  return users.length === 0
    ? undefined
    : `Access keys without MFA: ${count(users.length, 'user')} (${names(users)}). Give them MFA and have their tools call sts:GetSessionToken, or move the workload to an IAM role.`;
};

const inGracePeriod: RecommendationRule = ({ assessments }) => {
  const users = assessments.filter((a) => a.gracePeriodEndsAt !== undefined);
  const first = users.map((a) => a.gracePeriodEndsAt?.getTime() ?? 0).sort((a, b) => a - b)[0];
  return first === undefined
    ? undefined
    : `In the grace period: ${count(users.length, 'new user')} (${names(users)}), the first until ${isoDate(new Date(first))}. Make sure they set up MFA in time.`;
};

const exemptedWithoutMfa: RecommendationRule = ({ assessments }) => {
  const users = assessments.filter((a) => a.status === 'exempted' && a.risk === 'high');
  return users.length === 0
    ? undefined
    : `Exempted but reachable without MFA: ${count(users.length, 'user')} (${names(users)}). Review each exemption; services are better served by IAM roles.`;
};

const groupsWithoutPolicy: RecommendationRule = ({ account }) =>
  account.groups_without_mfa_policy.length === 0
    ? undefined
    : `Attach an MFA-enforcing policy (RequireMFA) to ${account.groups_without_mfa_policy.length === 1 ? 'the group' : 'the groups'} ${account.groups_without_mfa_policy.join(', ')}.`;

const requireMfaNotCanonical: RecommendationRule = ({ account }) => {
  const { arn, status } = account.require_mfa_policy;
  if (status === 'tampered') {
    return `The managed policy ${arn} is not the RequireMFA document this tool attaches, and every user it is attached to may have been given access instead of denied it: find out who changed it (CloudTrail), then run ${REPAIR_COMMAND}. Nothing is attached until then.`;
  }
  return status === 'outdated'
    ? `Update the managed policy ${arn} to this release's RequireMFA (it stops a long-term access key from registering an MFA device): ${REPAIR_COMMAND}. Nothing is attached until then.`
    : undefined;
};

const RULES: readonly RecommendationRule[] = [
  requireMfaNotCanonical,
  rootWithoutMfa,
  rootAccessKeys,
  rootWithVirtualMfa,
  consoleWithoutMfa,
  keysWithoutMfa,
  exemptedWithoutMfa,
  inGracePeriod,
  groupsWithoutPolicy,
];

export function recommendations(facts: RecommendationFacts): string[] {
  const advice = RULES.map((rule) => rule(facts)).filter((text): text is string => text !== undefined);
  return advice.length > 0
    ? advice
    : ['Every user in scope is behind MFA. Keep the nightly report running to catch new users.'];
}

const NAMES_SHOWN = 5;

function names(assessments: readonly UserAssessment[]): string {
  const shown = assessments.slice(0, NAMES_SHOWN).map((a) => a.user.userName);
  const rest = assessments.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
