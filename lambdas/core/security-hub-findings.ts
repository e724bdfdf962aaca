import type { Risk } from './assessment.ts';
import type { MfaReport, MfaReportUser } from './mfa-report.ts';
import { REPAIR_COMMAND } from './policy-integrity.ts';

/**
 * The report as AWS Security Hub findings (ASFF), one per subject and check,
 * imported into the account's own Security Hub with its default product.
 * A finding's Id never changes for the same subject and check, so a later run
 * updates it: FAILED or WARNING while the problem lasts, PASSED once fixed,
 * ARCHIVED once the subject is gone.
 */

/** Every GeneratorId of this tool starts so: the read-back keeps only these. */
export const GENERATOR_PREFIX = 'awssec-iam-mfa/';
/** BatchImportFindings takes at most this many findings a call. */
export const IMPORT_BATCH_SIZE = 100;
const SCHEMA_VERSION = '2018-10-08';
const BEST_PRACTICES = 'Software and Configuration Checks/AWS Security Best Practices';

export type SecurityHubCheck =
  | 'console-without-mfa'
  | 'access-keys-without-mfa'
  | 'root-without-mfa'
  | 'root-access-keys'
  | 'group-without-mfa-policy'
  | 'require-mfa-policy-untrusted';

interface CheckText {
  readonly title: string;
  readonly remediation: string;
  readonly types: readonly string[];
}

const CHECKS: Readonly<Record<SecurityHubCheck, CheckText>> = {
  'console-without-mfa': {
    title: 'IAM user can sign in to the console without MFA',
    remediation:
      'Have the user register an MFA device (a FIDO security key is best), or delete a console password nobody uses. awssec iam-mfa enforce --include-users NAME --disable-console-access --apply removes the password.',
    types: [BEST_PRACTICES],
  },
  'access-keys-without-mfa': {
    title: 'IAM user has active access keys without MFA',
    remediation:
      'Give the user MFA and have their tools call sts:GetSessionToken with it, or move the workload to an IAM role. awssec iam-mfa enforce --include-users NAME --apply disables the keys (restore undoes it).',
    types: [BEST_PRACTICES],
  },
  'root-without-mfa': {
    title: 'The root user has credentials and no MFA',
    remediation:
      "Enable MFA on the root user, preferably a FIDO security key or hardware token kept offline. AWS asks for one only at root's next console sign-in, and never for its access keys.",
    types: [
      BEST_PRACTICES,
      'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
    ],
  },
  'root-access-keys': {
    title: 'The root user has access keys',
    remediation: "Delete the root user's access keys: nothing should call AWS as root.",
    types: [
      BEST_PRACTICES,
      'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
    ],
  },
  'group-without-mfa-policy': {
    title: 'IAM group has no MFA-enforcing policy',
    remediation:
      'Attach an MFA-enforcing policy to the group: the RequireMFA policy (awssec iam-mfa policy prints it), or a Deny of everything but MFA set-up when aws:MultiFactorAuthPresent is false.',
    types: [BEST_PRACTICES],
  },
  'require-mfa-policy-untrusted': {
    title: 'The RequireMFA policy is not the document awssec iam-mfa attaches',
    remediation: `Find out who changed it (CloudTrail: CreatePolicyVersion, SetDefaultPolicyVersion), then run ${REPAIR_COMMAND}. Nothing is attached until then.`,
    types: [BEST_PRACTICES, 'TTPs/Defense Evasion'],
  },
};

export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type ComplianceStatusLabel = 'PASSED' | 'WARNING' | 'FAILED';

export interface AsffResource {
  readonly Type: 'AwsIamUser' | 'AwsIamGroup' | 'AwsIamPolicy' | 'AwsAccount';
  readonly Id: string;
  readonly Partition: string;
  readonly Region: string;
  readonly Details?: { readonly AwsIamUser: { readonly UserName: string; readonly UserId?: string } };
}

/** An ASFF finding: the fields this tool sets, as BatchImportFindings takes them. */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: readonly string[];
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Severity: { readonly Label: SeverityLabel };
  readonly Title: string;
  readonly Description: string;
  readonly Resources: readonly AsffResource[];
  readonly Compliance: { readonly Status: ComplianceStatusLabel };
  readonly Remediation: { readonly Recommendation: { readonly Text: string } };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly ProductFields: Readonly<Record<string, string>>;
}

export interface SecurityHubContext {
  /** The region whose Security Hub receives the findings. */
  readonly region: string;
  /** `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partition: string;
  readonly now: Date;
  /** Every IAM group of the account: a finding about a group not among them is archived. */
  readonly groups: readonly { readonly name: string; readonly arn?: string | undefined }[];
}

/** What a run imports, and what happened to each of the tool's findings. */
export interface SecurityHubPlan {
  /** The findings to import, in a stable order: subjects as the report lists them. */
  readonly findings: readonly AsffFinding[];
  readonly counts: {
    readonly failed: number;
    readonly warning: number;
    /** Findings that were FAILED or WARNING and are fixed now. */
    readonly passed: number;
    /** Findings whose user, group or policy is gone. */
    readonly archived: number;
  };
}

/** `arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default`: the account's own product. */
export function defaultProductArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** A subject's state for one check now. */
interface Evaluation {
  readonly check: SecurityHubCheck;
  /** The subject in the Id: `user/AIDA…`, `root`, `group/NAME`, `policy/RequireMFA`. */
  readonly subject: string;
  readonly status: ComplianceStatusLabel;
  readonly severity: SeverityLabel;
  readonly description: string;
  readonly resource: AsffResource;
}

/**
 * The findings to import: every current FAILED and WARNING one, and PASSED
 * for each earlier FAILED or WARNING finding that is fixed. Earlier findings
 * whose subject is gone are archived, but only by a run that saw the whole
 * account: one narrowed by --include-users, or with users it could not
 * read, does not know who is gone.
 *
 * `existing` is the tool's active findings read back from Security Hub.
 */
export function securityHubPlan(
  report: MfaReport,
  context: SecurityHubContext,
  existing: readonly AsffFinding[],
): SecurityHubPlan {
  const accountId = report.account_id;
  const productArn = defaultProductArn(context.partition, context.region, accountId);
  const now = context.now.toISOString();
  const earlier = new Map(
    existing
      .filter(
        (f) => f.ProductArn === productArn && f.AwsAccountId === accountId && f.RecordState === 'ACTIVE',
      )
      .map((f) => [f.Id, f]),
  );
  const findings: AsffFinding[] = [];
  const current = new Set<string>();
  const counts = { failed: 0, warning: 0, passed: 0, archived: 0 };

  for (const evaluation of evaluate(report, context)) {
    const id = findingId(accountId, evaluation.subject, evaluation.check);
    current.add(id);
    const before = earlier.get(id);
    // A PASSED finding is news only when it ends an earlier FAILED or WARNING one.
    if (evaluation.status === 'PASSED' && (before === undefined || before.Compliance.Status === 'PASSED'))
      continue;
    if (evaluation.status === 'FAILED') counts.failed += 1;
    else if (evaluation.status === 'WARNING') counts.warning += 1;
    else counts.passed += 1;
    const check = CHECKS[evaluation.check];
    findings.push({
      SchemaVersion: SCHEMA_VERSION,
      Id: id,
      ProductArn: productArn,
      GeneratorId: `${GENERATOR_PREFIX}${evaluation.check}`,
      AwsAccountId: accountId,
      Types: check.types,
      CreatedAt: before?.CreatedAt ?? now,
      UpdatedAt: now,
      Severity: { Label: evaluation.severity },
      Title: check.title,
      Description: clip(evaluation.description, 1024),
      Resources: [evaluation.resource],
      Compliance: { Status: evaluation.status },
      Remediation: { Recommendation: { Text: clip(check.remediation, 512) } },
      RecordState: 'ACTIVE',
      ProductFields: { 'awssec/check': evaluation.check, 'awssec/subject': evaluation.subject },
    });
  }

  const wholeAccount =
    report.settings.include_users.length === 0 && report.inventory.users_unreadable.length === 0;
  for (const [id, before] of earlier) {
    if (current.has(id) || !before.GeneratorId.startsWith(GENERATOR_PREFIX)) continue;
    const check = before.GeneratorId.slice(GENERATOR_PREFIX.length);
    const aboutUser = check === 'console-without-mfa' || check === 'access-keys-without-mfa';
    // A user a narrowed or incomplete run did not see may still exist; the policy may be unreadable.
    if (aboutUser && !wholeAccount) continue;
    if (check === 'require-mfa-policy-untrusted' && report.account.require_mfa_policy.status !== 'missing')
      continue;
    counts.archived += 1;
    findings.push({ ...before, UpdatedAt: now, RecordState: 'ARCHIVED' });
  }
  return { findings, counts };
}

/** `awssec-iam-mfa/123456789012/user/AIDA…/console-without-mfa`: account, subject and check. */
export function findingId(accountId: string, subject: string, check: SecurityHubCheck): string {
  return `${GENERATOR_PREFIX}${accountId}/${subject}/${check}`;
}

function evaluate(report: MfaReport, context: SecurityHubContext): Evaluation[] {
  const { partition, region } = context;
  const accountId = report.account_id;
  const { account } = report;
  const evaluations: Evaluation[] = report.users.flatMap((user) => userEvaluations(user, partition, region));

  const accountResource: AsffResource = {
    Type: 'AwsAccount',
    Id: `AWS::::Account:${accountId}`,
    Partition: partition,
    Region: region,
  };
  const rootExposed = account.root_has_credentials && !account.root_mfa_enabled;
  evaluations.push(
    {
      check: 'root-without-mfa',
      subject: 'root',
      status: rootExposed ? 'FAILED' : 'PASSED',
      severity: rootExposed ? 'CRITICAL' : 'INFORMATIONAL',
      description: !account.root_has_credentials
        ? 'The root user has no password, access keys or signing certificates: nobody can sign in as root, so it needs no MFA.'
        : account.root_mfa_enabled
          ? `The root user has MFA (${account.root_mfa_kind ?? 'a device'}).`
          : `The root user of account ${accountId} has ${account.root_access_keys_present ? 'access keys' : 'a password'} and no MFA device. AWS asks root to enrol MFA at its next console sign-in; until then its password alone opens the account, and its access keys are never covered.`,
      resource: accountResource,
    },
    {
      check: 'root-access-keys',
      subject: 'root',
      status: account.root_access_keys_present ? 'FAILED' : 'PASSED',
      severity: account.root_access_keys_present ? 'CRITICAL' : 'INFORMATIONAL',
      description: account.root_access_keys_present
        ? `The root user of account ${accountId} has access keys: anyone holding one acts as root, and no MFA or policy limits them.`
        : 'The root user has no access keys.',
      resource: accountResource,
    },
  );

  const withoutPolicy = new Set(account.groups_without_mfa_policy);
  for (const group of context.groups) {
    const failed = withoutPolicy.has(group.name);
    evaluations.push({
      check: 'group-without-mfa-policy',
      subject: `group/${group.name}`,
      status: failed ? 'FAILED' : 'PASSED',
      severity: failed ? 'MEDIUM' : 'INFORMATIONAL',
      description: failed
        ? `None of the policies of the IAM group ${group.name} denies access without MFA: members get its permissions with a password or access key alone, unless a policy of their own requires MFA.`
        : `The IAM group ${group.name} has an MFA-enforcing policy.`,
      resource: {
        Type: 'AwsIamGroup',
        Id: group.arn ?? `arn:${partition}:iam::${accountId}:group/${group.name}`,
        Partition: partition,
        Region: region,
      },
    });
  }

  const policy = account.require_mfa_policy;
  if (policy.status !== 'missing' && policy.status !== 'unreadable') {
    const untrusted = policy.status === 'tampered' || policy.status === 'outdated';
    evaluations.push({
      check: 'require-mfa-policy-untrusted',
      subject: 'policy/RequireMFA',
      status: untrusted ? 'FAILED' : 'PASSED',
      severity:
        policy.status === 'tampered' ? 'HIGH' : policy.status === 'outdated' ? 'MEDIUM' : 'INFORMATIONAL',
      description:
        policy.status === 'tampered'
          ? `The default version (${policy.default_version ?? 'unknown'}) of ${policy.arn} is not the RequireMFA document awssec iam-mfa attaches: every user it is attached to may have been given access instead of denied it. Nothing is attached until it is repaired.`
          : policy.status === 'outdated'
            ? `The default version (${policy.default_version ?? 'unknown'}) of ${policy.arn} is an earlier release's RequireMFA, which lets a long-term access key register an MFA device. Nothing is attached until it is updated.`
            : `${policy.arn} is the canonical RequireMFA document.`,
      resource: { Type: 'AwsIamPolicy', Id: policy.arn, Partition: partition, Region: region },
    });
  }
  return evaluations;
}

/** The two user checks: FAILED for a non-compliant user, WARNING in the grace period or exempted, PASSED otherwise. */
function userEvaluations(user: MfaReportUser, partition: string, region: string): Evaluation[] {
  const hasMfa = user.mfa_devices.length > 0;
  const resource: AsffResource = {
    Type: 'AwsIamUser',
    Id: user.arn,
    Partition: partition,
    Region: region,
    Details: {
      AwsIamUser: { UserName: user.username, ...(user.user_id === null ? {} : { UserId: user.user_id }) },
    },
  };
  const subject = `user/${user.user_id ?? user.arn}`;
  const exposures: [SecurityHubCheck, boolean, string][] = [
    ['console-without-mfa', user.console_access, 'has a console password and no MFA device'],
    [
      'access-keys-without-mfa',
      user.active_access_keys > 0,
      `has ${user.active_access_keys} active access key${user.active_access_keys === 1 ? '' : 's'} and no MFA device`,
    ],
  ];
  return exposures.map(([check, exposed, what]) => {
    const status: ComplianceStatusLabel =
      !exposed || hasMfa ? 'PASSED' : user.status === 'non-compliant' ? 'FAILED' : 'WARNING';
    return {
      check,
      subject,
      status,
      severity: status === 'PASSED' ? 'INFORMATIONAL' : severityOf(user.risk),
      description:
        status === 'PASSED'
          ? hasMfa
            ? `IAM user ${user.username} has MFA.`
            : `IAM user ${user.username} ${check === 'console-without-mfa' ? 'has no console password' : 'has no active access key'} any more.`
          : `IAM user ${user.username} ${what}. ${statusText(user)}`,
      resource,
    };
  });
}

/** Why a user's finding is FAILED or only a WARNING: the verdict, and for a warning the exemption or the grace period. */
function statusText(user: MfaReportUser): string {
  const reason = (prefix: string) => user.reasons.find((r) => r.startsWith(prefix)) ?? '';
  switch (user.status) {
    case 'exempted':
      return `Status: exempted (${reason('exempted').replace(/^exempted:?\s*/, '')}): the risk was accepted; review the exemption.`;
    case 'grace-period':
      return `Status: in the grace period (${reason('new user')}).`;
    default:
      return `Status: ${user.status}.`;
  }
}

function severityOf(risk: Risk): SeverityLabel {
  return risk === 'high' ? 'HIGH' : risk === 'medium' ? 'MEDIUM' : 'LOW';
}

/** ASFF caps text fields (Description 1024, Remediation text 512 characters). */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `Security Hub (us-east-1): imported 7 of 7 findings (4 failed, 1 warning, 1 passed, 1 archived)` */
export function securityHubSummary(plan: SecurityHubPlan, imported: number, region: string): string {
  const { failed, warning, passed, archived } = plan.counts;
  const total = plan.findings.length;
  return total === 0
    ? `Security Hub (${region}): nothing to import`
    : `Security Hub (${region}): imported ${imported} of ${total} finding${total === 1 ? '' : 's'} (${failed} failed, ${warning} warning, ${passed} passed, ${archived} archived)`;
}

/** The findings in import batches of at most IMPORT_BATCH_SIZE. */
export function importBatches<T>(findings: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let at = 0; at < findings.length; at += IMPORT_BATCH_SIZE) {
    batches.push(findings.slice(at, at + IMPORT_BATCH_SIZE));
  }
  return batches;
}
