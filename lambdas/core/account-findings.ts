import { ALLOWED_WITHOUT_MFA } from './policies.ts';
import type { GroupFacts, PolicyDocument, PolicyStatement, RootFacts } from './user-facts.ts';

/**
 * Calls a Deny may leave out and still enforce MFA: the ones RequireMFA
 * leaves out, and the two more AWS's own examples leave out.
 */
const MFA_SET_UP_CALLS: ReadonlySet<string> = new Set(
  [...ALLOWED_WITHOUT_MFA, 'iam:ListUsers', 'iam:DeleteVirtualMFADevice'].map((action) =>
    action.toLowerCase(),
  ),
);

/**
 * Whether a policy enforces MFA: some statement denies everything, or
 * everything but the calls needed to set up MFA, on every resource, when
 * MFA is absent, and on no other condition. Narrower Denies (a list of
 * actions, `NotAction: ["iam:*"]`, an extra condition, plain `Bool`, which
 * lets long-term access keys through) protect little and do not count. An
 * Allow that requires MFA enforces nothing: any other Allow still grants.
 */
export function enforcesMfa(document: PolicyDocument): boolean {
  const statements = document.Statement === undefined ? [] : [document.Statement].flat();
  return statements.some(
    (statement) =>
      statement.Effect === 'Deny' &&
      coversEveryResource(statement) &&
      coversEveryAction(statement) &&
      onlyWithoutMfa(statement.Condition),
  );
}

function coversEveryResource(statement: PolicyStatement): boolean {
  return statement.NotResource === undefined && listOf(statement.Resource).includes('*');
}

function coversEveryAction(statement: PolicyStatement): boolean {
  if (statement.Action !== undefined)
    return statement.NotAction === undefined && listOf(statement.Action).includes('*');
  const left = listOf(statement.NotAction);
  return left.length > 0 && left.every((action) => MFA_SET_UP_CALLS.has(action.toLowerCase()));
}

/** Exactly one condition: `BoolIfExists aws:MultiFactorAuthPresent false`, or `Null aws:MultiFactorAuthAge true`. */
function onlyWithoutMfa(condition: unknown): boolean {
  if (!isRecord(condition)) return false;
  const entries = Object.entries(condition);
  if (entries.length !== 1) return false;
  const [operator, keys] = entries[0] ?? [];
  if (!isRecord(keys) || Object.keys(keys).length !== 1) return false;
  const [key, value] = Object.entries(keys)[0] ?? [];
  const op = String(operator).toLowerCase();
  const name = String(key).toLowerCase();
  if (op === 'boolifexists' && name === 'aws:multifactorauthpresent') return isOnly(value, 'false');
  return op === 'null' && name === 'aws:multifactorauthage' && isOnly(value, 'true');
}

/** Condition values may be a string, a boolean or a list of either; all must be `wanted`. */
function isOnly(value: unknown, wanted: 'true' | 'false'): boolean {
  const values = [value].flat();
  return values.length > 0 && values.every((item) => String(item).toLowerCase() === wanted);
}

/** A policy element's values: a string or a list of strings; anything else reads as none. */
function listOf(value: unknown): string[] {
  return [value].flat().filter((item): item is string => typeof item === 'string');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names of the groups none of whose policies enforce MFA, sorted. */
export function groupsWithoutMfaPolicy(groups: readonly GroupFacts[]): string[] {
  return groups
    .filter((group) => !group.policies.some((policy) => enforcesMfa(policy.document)))
    .map((group) => group.groupName)
    .sort((a, b) => a.localeCompare(b));
}

/**
 * Root can be used without MFA: it has a password, access keys or signing
 * certificates and no MFA device. AWS asks root to enrol MFA at its next
 * console sign-in, but until then the password alone opens the account, and
 * access keys are never covered. Root without credentials needs no MFA.
 */
export function rootWithoutMfa(root: RootFacts): boolean {
  return root.hasCredentials && !root.mfaEnabled;
}

export type RootMfaKind = 'hardware' | 'virtual';

/** `hardware` covers every device that is not virtual: hardware TOTP tokens and FIDO keys. */
export function rootMfaKind(root: RootFacts): RootMfaKind | null {
  if (!root.mfaEnabled) return null;
  return root.virtualMfa ? 'virtual' : 'hardware';
}
