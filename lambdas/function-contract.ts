/**
 * What the stacks (lib/) and the Lambda handlers (lambdas/<function>/) agree
 * on: where each handler is, the environment variables it reads, and the
 * metrics the nightly run publishes. Constants only, so both sides can import
 * it without pulling in the SDK or the CDK.
 */

export const FUNCTIONS = {
  onboarding: { entry: 'lambdas/onboarding/handler.ts', serviceName: 'awssec-iam-mfa-onboarding' },
  nightly: { entry: 'lambdas/nightly/handler.ts', serviceName: 'awssec-iam-mfa-nightly' },
  alerts: { entry: 'lambdas/alerts/handler.ts', serviceName: 'awssec-iam-mfa-alerts' },
  /** Organization mode: the state machine's steps (lists the accounts; runs one account; one report for all). */
  orgAccounts: { entry: 'lambdas/org-accounts/handler.ts', serviceName: 'awssec-iam-mfa-org-accounts' },
  accountNightly: {
    entry: 'lambdas/account-nightly/handler.ts',
    serviceName: 'awssec-iam-mfa-account-nightly',
  },
  orgReport: { entry: 'lambdas/org-report/handler.ts', serviceName: 'awssec-iam-mfa-org-report' },
} as const;

/** Environment variable names. Empty string means "not configured" where a setting is optional. */
export const ENV = {
  /** SES-verified sender address; empty: no mail is sent (logged instead). */
  senderEmail: 'SENDER_EMAIL',
  /** `example.com`: mail goes to `<user>@example.com` when the user has no `email` tag; empty: tag only. */
  emailDomain: 'EMAIL_DOMAIN',
  /** Comma-separated names or patterns exempted (as --exclude-users). */
  excludeUsers: 'EXCLUDE_USERS',
  /** Comma-separated names or patterns never acted on (as --break-glass). */
  breakGlass: 'BREAK_GLASS',
  gracePeriodDays: 'GRACE_PERIOD_DAYS',
  /** Days before the end of the grace period that a user is warned. */
  warningDays: 'WARNING_DAYS',
  /** `report` | `warn` | `enforce`. */
  mode: 'MODE',
  /** `true` to carry enforcement out, `false` (or empty) for a dry run; anything else fails the cold start. */
  apply: 'APPLY',
  disableConsoleAccess: 'DISABLE_CONSOLE_ACCESS',
  maxUsers: 'MAX_USERS',
  maxPercent: 'MAX_PERCENT',
  /** S3 bucket for the nightly JSON and CSV reports. */
  reportBucket: 'REPORT_BUCKET',
  /** The security SNS topic. */
  topicArn: 'TOPIC_ARN',
  /** DynamoDB table that keeps alerts to one per user, kind and window. */
  alertTable: 'ALERT_TABLE',
  alertWindowMinutes: 'ALERT_WINDOW_MINUTES',
  /** The 12-digit account the function serves: events of any other account are dropped. */
  accountId: 'ACCOUNT_ID',
  /**
   * Organization mode: the organization's id (`o-…`), whose member accounts'
   * events the central bus admits and the functions then serve too; empty in
   * single-account mode.
   */
  organizationId: 'ORGANIZATION_ID',
  /** `true`: the nightly run imports its findings into the account's Security Hub (in the function's region). */
  securityHub: 'SECURITY_HUB',
  /** Organization mode: the role assumed in each member account (AwssecIamMfaAudit, or AwssecIamMfaEnforce). */
  memberRoleName: 'MEMBER_ROLE_NAME',
  /** Organization mode: accounts run at once (the Map state's MaxConcurrency), as the report records it. */
  accountConcurrency: 'ACCOUNT_CONCURRENCY',
} as const;

/** The nightly run's variables, which organization mode's steps read too. */
const NIGHTLY_ENV = [
  ENV.mode,
  ENV.apply,
  ENV.gracePeriodDays,
  ENV.warningDays,
  ENV.excludeUsers,
  ENV.breakGlass,
  ENV.maxUsers,
  ENV.maxPercent,
  ENV.disableConsoleAccess,
  ENV.reportBucket,
  ENV.topicArn,
  ENV.senderEmail,
  ENV.emailDomain,
  ENV.securityHub,
] as const;

/** Which variables each function reads (the stacks set exactly these). */
export const FUNCTION_ENV = {
  onboarding: [
    ENV.senderEmail,
    ENV.emailDomain,
    ENV.excludeUsers,
    ENV.breakGlass,
    ENV.gracePeriodDays,
    ENV.accountId,
    ENV.organizationId,
  ],
  nightly: NIGHTLY_ENV,
  alerts: [ENV.topicArn, ENV.alertTable, ENV.alertWindowMinutes, ENV.accountId, ENV.organizationId],
  orgAccounts: [],
  accountNightly: [...NIGHTLY_ENV, ENV.memberRoleName, ENV.accountConcurrency],
  orgReport: [...NIGHTLY_ENV, ENV.memberRoleName, ENV.accountConcurrency, ENV.accountId],
} as const;

/** The alert table's key and TTL attribute names. */
export const ALERT_TABLE_KEYS = { partitionKey: 'alertKey', ttlAttribute: 'expiresAt' } as const;

/** CloudWatch metrics the nightly run and onboarding publish (Powertools Metrics, EMF) under their service dimension. */
export const METRICS = {
  namespace: 'AwssecIamMfa',
  /** Powertools adds the dimension `service` with the function's POWERTOOLS_SERVICE_NAME. */
  names: [
    'UsersTotal',
    'UsersCompliant',
    'UsersNonCompliant',
    'UsersGracePeriod',
    'UsersExempted',
    'CompliancePercent',
    'ConsoleUsersWithMfaPercent',
    'KeyUsersWithMfaPercent',
    'RootMfaEnabled',
    /** 0 when root has no password, access keys or certificates (removed centrally): it needs no MFA then. */
    'RootHasCredentials',
    'UsersWarned',
    'UsersEnforced',
    'EnforcementFailures',
    /** 1 when the RequireMFA policy is not the canonical document (tampered or outdated): nothing is attached. */
    'RequireMfaPolicyUntrusted',
    /** Users the run may warn or act on who have IAM's 50 tags: their records go to the report bucket. */
    'UsersAtTagQuota',
    /** With Security Hub on: findings the run could not import (all of them when a call failed). */
    'SecurityHubFindingsNotImported',
  ],
  /** Organization mode adds, among the organization's own figures: accounts assessed and not assessed tonight. */
  organizationNames: ['AccountsAssessed', 'AccountsNotAssessed'],
  /** Organization mode: each account's figures carry this dimension besides `service`. */
  accountDimension: 'AccountId',
} as const;

/** One of the metrics the nightly run publishes. */
export type MetricName = (typeof METRICS.names)[number] | (typeof METRICS.organizationNames)[number];

/** The values of the MODE variable (`report` | `warn` | `enforce`). */
export const NIGHTLY_MODES = ['report', 'warn', 'enforce'] as const;
export type NightlyModeName = (typeof NIGHTLY_MODES)[number];

/**
 * Where the functions run: IAM's CloudTrail events reach EventBridge in this
 * region only, and the other regions' stacks forward sign-ins here.
 */
export const IAM_EVENTS_REGION = 'us-east-1';

/** Organization mode: the roles in every member account, named so that any account's ARN can be built. */
export const MEMBER_ROLE_NAMES = {
  audit: 'AwssecIamMfaAudit',
  enforce: 'AwssecIamMfaEnforce',
  onboarding: 'AwssecIamMfaOnboarding',
} as const;

/**
 * Organization mode: the central functions' role names, fixed so that the
 * member roles can trust them by ARN (`aws:PrincipalArn`).
 */
export const CENTRAL_ROLE_NAMES = {
  onboarding: 'AwssecIamMfaCentralOnboarding',
  nightly: 'AwssecIamMfaCentralNightly',
  alerts: 'AwssecIamMfaCentralAlerts',
} as const;

/**
 * The EventBridge events the stacks route to the functions: the rules match
 * on these, and the handlers may check them too. IAM's CloudTrail events reach
 * EventBridge only in us-east-1; console sign-ins in the region of the
 * sign-in endpoint.
 */
export const EVENTS = {
  /** CloudTrail-recorded IAM API calls. */
  iamApiCall: {
    source: 'aws.iam',
    detailType: 'AWS API Call via CloudTrail',
    eventSource: 'iam.amazonaws.com',
  },
  /** Console sign-ins; AWS has used both detail-type spellings, so rules match both. */
  consoleSignIn: {
    source: 'aws.signin',
    detailTypes: ['AWS Console Sign In via CloudTrail', 'AWS Console Signin via CloudTrail'],
    eventName: 'ConsoleLogin',
  },
  /** The IAM call the onboarding function handles. */
  createUser: 'CreateUser',
  /** The IAM calls that take an MFA device away (alerts). */
  mfaRemoval: ['DeactivateMFADevice', 'DeleteVirtualMFADevice'],
  /** The IAM call that adds an MFA device to a user (alerts: long-term key, or a second device). */
  mfaEnable: 'EnableMFADevice',
  /** The IAM calls that change, delete or detach the RequireMFA policy (alerts, when `policyArn` is RequireMFA's). */
  requireMfaPolicyChanges: {
    /** Calls on the policy document itself: every one is alerted. */
    document: ['CreatePolicyVersion', 'SetDefaultPolicyVersion', 'DeletePolicyVersion', 'DeletePolicy'],
    /** Detaching it from a user, which `awssec iam-mfa restore` also does. */
    detach: 'DetachUserPolicy',
    /** How the rule recognises RequireMFA's ARN (`arn:PARTITION:iam::ACCOUNT:policy/RequireMFA`). */
    policyArnSuffix: ':policy/RequireMFA',
  },
} as const;
