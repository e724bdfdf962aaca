import type { GroupFacts, PolicyDocument, PolicyStatement, RootFacts } from './user-facts.ts';

/**
 * Whether a policy enforces MFA: some statement denies when MFA is absent,
 * i.e. a Deny conditioned on `aws:MultiFactorAuthPresent` being false
 * (`Bool` or `BoolIfExists`) or on `aws:MultiFactorAuthAge` being null. An
 * Allow that requires MFA enforces nothing: any other Allow without the
 * condition still grants access.
 */
export function enforcesMfa(document: PolicyDocument): boolean {
  const statements = document.Statement === undefined ? [] : [document.Statement].flat();
  return statements.some((statement) => statement.Effect === 'Deny' && deniesWithoutMfa(statement));
}

function deniesWithoutMfa(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (!isRecord(condition)) return false;
  return Object.entries(condition).some(([operator, keys]) => {
    if (!isRecord(keys)) return false;
    const op = operator.toLowerCase();
    return Object.entries(keys).some(([key, value]) => {
      const name = key.toLowerCase();
      if ((op === 'bool' || op === 'boolifexists') && name === 'aws:multifactorauthpresent') {
        return hasValue(value, 'false');
      }
      return op === 'null' && name === 'aws:multifactorauthage' && hasValue(value, 'true');
    });
  });
}

/** Condition values may be a string, a boolean or a list of either. */
function hasValue(value: unknown, wanted: 'true' | 'false'): boolean {
  return [value].flat().some((item) => String(item).toLowerCase() === wanted);
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

export type RootMfaKind = 'hardware' | 'virtual';

/** `hardware` covers every device that is not virtual: hardware TOTP tokens and FIDO keys. */
export function rootMfaKind(root: RootFacts): RootMfaKind | null {
  if (!root.mfaEnabled) return null;
  return root.virtualMfa ? 'virtual' : 'hardware';
}
