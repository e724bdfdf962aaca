import { type IamPolicyDocument, REQUIRE_MFA_POLICY_NAME, requireMfaPolicy } from './policies.ts';
import type { PolicyDocument } from './user-facts.ts';

/**
 * Whether the managed policy named RequireMFA is the document this tool
 * attaches. Anyone allowed to write IAM policies can put another document
 * under that name (a new default version, or the policy deleted and created
 * again); attaching it then to every user would be the tool's own doing. So
 * the default version must equal the canonical document after
 * normalisation, and anything else is refused.
 */
export type RequireMfaPolicyVerdict =
  /** Exactly the document this version of the tool attaches. */
  | 'canonical'
  /** The document an earlier version of this tool attached: weaker, refused until repaired. */
  | 'outdated'
  /** Anything else. */
  | 'tampered';

/**
 * RequireMFA as earlier releases created it: the one Deny, without the
 * own-user and long-term-key Denies (AWS-2023-001). Recognised only to say
 * "outdated" rather than "tampered"; it is refused all the same.
 */
export const EARLIER_REQUIRE_MFA_POLICIES: readonly IamPolicyDocument[] = [
  { Version: '2012-10-17', Statement: requireMfaPolicy.Statement.slice(0, 1) },
];

export function requireMfaPolicyVerdict(document: unknown): RequireMfaPolicyVerdict {
  const normalised = normalisePolicy(document);
  if (normalised === undefined) return 'tampered';
  if (normalised === normalisePolicy(requireMfaPolicy)) return 'canonical';
  return EARLIER_REQUIRE_MFA_POLICIES.some((earlier) => normalisePolicy(earlier) === normalised)
    ? 'outdated'
    : 'tampered';
}

/**
 * A policy document as one string that is the same for documents IAM reads
 * the same way, as far as this tool needs: statements in any order, single
 * values or lists, lists in any order, action names and condition keys in
 * any case, booleans or strings as condition values, any whitespace.
 * Anything it does not know (a Principal, an unknown element) is kept as it
 * is, so it makes the document differ. Undefined for something that is not
 * a policy document at all.
 */
export function normalisePolicy(document: unknown): string | undefined {
  if (!isRecord(document)) return undefined;
  const statements = document.Statement;
  const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
  if (!list.every(isRecord)) return undefined;
  const normalised = {
    ...sortedKeys(document),
    Statement: list.map((statement) => JSON.stringify(normaliseStatement(statement))).sort(),
  };
  return JSON.stringify(normalised);
}

function normaliseStatement(statement: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(statement).sort(([a], [b]) => a.localeCompare(b))) {
    switch (key) {
      case 'Action':
      case 'NotAction':
        // IAM action names are case-insensitive.
        result[key] = sortedSet(value, (item) => item.toLowerCase());
        break;
      case 'Resource':
      case 'NotResource':
        result[key] = sortedSet(value, (item) => item);
        break;
      case 'Condition':
        result[key] = normaliseCondition(value);
        break;
      default:
        result[key] = value;
    }
  }
  return result;
}

/** Operators as written; condition keys in lower case (IAM ignores their case); values as sorted strings. */
function normaliseCondition(condition: unknown): unknown {
  if (!isRecord(condition)) return condition;
  return Object.fromEntries(
    Object.entries(condition)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operator, keys]) => [
        operator,
        isRecord(keys)
          ? Object.fromEntries(
              Object.entries(keys)
                .map(([key, value]): [string, unknown] => [key.toLowerCase(), sortedSet(value, String)])
                .sort(([a], [b]) => a.localeCompare(b)),
            )
          : keys,
      ]),
  );
}

/** A string or a list of scalars as a sorted list without repeats; anything else as it is. */
function sortedSet(value: unknown, map: (item: string) => string): unknown {
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item) => ['string', 'boolean', 'number'].includes(typeof item))) return value;
  return [...new Set(items.map((item) => map(String(item))))].sort();
}

function sortedKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `arn:aws:iam::123456789012:policy/RequireMFA`: the only policy this tool attaches, in the caller's partition. */
export function requireMfaPolicyArn(account: {
  readonly partition: string;
  readonly accountId: string;
}): string {
  return `arn:${account.partition}:iam::${account.accountId}:policy/${REQUIRE_MFA_POLICY_NAME}`;
}

/** The one command that makes RequireMFA canonical again. */
export const REPAIR_COMMAND = 'awssec iam-mfa policy --repair --apply';

/** Why a RequireMFA that is not canonical is refused, and how to put it right, in one line. */
export function untrustedPolicyMessage(
  policyArn: string,
  verdict: Exclude<RequireMfaPolicyVerdict, 'canonical'>,
  defaultVersionId: string,
): string {
  const inspect = `aws iam get-policy-version --policy-arn ${policyArn} --version-id ${defaultVersionId}`;
  return verdict === 'outdated'
    ? `the managed policy ${policyArn} (default version ${defaultVersionId}) is an earlier release's RequireMFA, which lets a long-term access key register an MFA device; nothing was attached. Update it with ${REPAIR_COMMAND}`
    : `the managed policy ${policyArn} (default version ${defaultVersionId}) is not the RequireMFA document this tool attaches, so it may grant instead of deny; nothing was attached. Inspect it (${inspect}), then make the canonical document its default version with ${REPAIR_COMMAND}`;
}

/**
 * Policy documents come URL-encoded from GetAccountAuthorizationDetails.
 * A document that cannot be read counts as empty: it enforces nothing.
 */
export function parsePolicyDocument(text: string): PolicyDocument {
  for (const candidate of [text, safeDecode(text)]) {
    try {
      const parsed: unknown = JSON.parse(candidate);
      if (typeof parsed === 'object' && parsed !== null) return parsed as PolicyDocument;
    } catch {
      // try the next reading
    }
  }
  return {};
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
