/**
 * The deployed half of awssec iam-mfa: the onboarding, nightly and alerts
 * functions, the events that start them, the security topic they and the
 * alarms report to, the report bucket, the alert table and a dashboard.
 * In us-east-1: IAM's CloudTrail events reach EventBridge there and nowhere
 * else. Console sign-ins recorded in other regions arrive on the regions bus,
 * forwarded by those regions' stacks (lib/regional-forwarding-stack.ts).
 */
import {
  type App,
  ArnFormat,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
} from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import {
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type CfnEventBus, EventBus, type IEventBus, Schedule } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  ALERT_TABLE_KEYS,
  ENV,
  FUNCTION_ENV,
  FUNCTIONS,
  IAM_EVENTS_REGION,
  METRICS,
  type MetricName,
} from '../lambdas/function-contract.ts';
import { type AwssecConfig, ConfigError } from './config.ts';
import { AwssecFunction } from './constructs/awssec-function.ts';
import { ALERT_RULES, CREATE_USER_RULE } from './event-patterns.ts';
import {
  alertsPermissions,
  iamResourcesOf,
  nightlyPermissions,
  onboardingPermissions,
  orgAccountsPermissions,
  orgReportPermissions,
  type PermissionResources,
} from './function-permissions.ts';
import {
  type AwssecIamMfaMemberStack,
  CENTRAL_ROLE_NAMES,
  MEMBER_ROLE_NAMES,
  MEMBER_STACK_SET_NAME,
  memberRegions,
  synthesizeMemberStack,
} from './member-stack.ts';
import { acknowledge } from './nag.ts';
import { OrgNightly } from './org-nightly.ts';
import {
  FORWARDING_DLQ_NAME,
  forwardedRegions,
  REGIONS_BUS_NAME,
  regionsBusArn,
} from './regional-forwarding-stack.ts';

export interface AwssecIamMfaStackProps extends StackProps {
  readonly config: AwssecConfig;
  /** Given the member stack's own app before its synth (organization mode): bin/app.ts adds cdk-nag there. */
  readonly prepareMemberApp?: (app: App) => void;
}

/** The functions of both modes; organization mode adds its state machine's (OrgNightlyFunctions). */
type FunctionName = 'onboarding' | 'nightly' | 'alerts';
type EnvFunctionName = keyof typeof FUNCTIONS;
type EnvName = (typeof ENV)[keyof typeof ENV];

/** The value of each environment variable, as the handlers parse it: lists comma-joined, booleans and numbers as text. */
export function environmentValues(
  config: AwssecConfig,
  resources: {
    reportBucket: string;
    topicArn: string;
    alertTable: string;
    /** The stack's account (a token when the stack names none). */
    accountId: string;
  },
): Record<EnvName, string> {
  return {
    [ENV.senderEmail]: config.senderEmail,
    [ENV.emailDomain]: config.emailDomain,
    [ENV.excludeUsers]: config.excludeUsers.join(','),
    [ENV.breakGlass]: config.breakGlass.join(','),
    [ENV.gracePeriodDays]: String(config.gracePeriodDays),
    [ENV.warningDays]: String(config.warningDays),
    [ENV.mode]: config.mode,
    [ENV.apply]: String(config.apply),
    [ENV.disableConsoleAccess]: String(config.disableConsoleAccess),
    [ENV.maxUsers]: String(config.maxUsers),
    [ENV.maxPercent]: String(config.maxPercent),
    [ENV.reportBucket]: resources.reportBucket,
    [ENV.topicArn]: resources.topicArn,
    [ENV.alertTable]: resources.alertTable,
    [ENV.alertWindowMinutes]: String(config.alertWindowMinutes),
    [ENV.accountId]: resources.accountId,
    [ENV.securityHub]: String(config.securityHub),
    [ENV.organizationId]: config.organizationId,
    // The reads in report mode; the role that may also tag (and act) when the run warns or enforces.
    [ENV.memberRoleName]: config.mode === 'report' ? MEMBER_ROLE_NAMES.audit : MEMBER_ROLE_NAMES.enforce,
    [ENV.accountConcurrency]: String(config.accountConcurrency),
  };
}

export class AwssecIamMfaStack extends Stack {
  readonly topic: Topic;
  readonly topicKey: Key;
  readonly reportBucket: Bucket;
  readonly alertTable: Table;
  readonly functions: Readonly<Record<FunctionName, AwssecFunction>>;
  /** The bus the other regions' stacks forward sign-ins to; none when config.regions names no other region. */
  readonly regionsBus: EventBus | undefined;
  readonly dashboard: Dashboard;
  /** Organization mode: the nightly state machine and the functions of its first and last steps. */
  readonly orgNightly:
    | {
        readonly stateMachine: OrgNightly;
        readonly listAccounts: AwssecFunction;
        readonly aggregate: AwssecFunction;
      }
    | undefined;
  /** Organization mode: the StackSet that installs the member stack, and that stack as synthesized for it. */
  readonly organization:
    | {
        readonly stackSet: CfnStackSet;
        readonly memberStack: AwssecIamMfaMemberStack;
        readonly templateBody: string;
      }
    | undefined;

  constructor(scope: Construct, id: string, props: AwssecIamMfaStackProps) {
    super(scope, id, {
      description:
        'awssec iam-mfa: keeps IAM users behind MFA (onboarding, nightly report/warn/enforce, alerts)',
      ...props,
    });
    if (this.region !== IAM_EVENTS_REGION) {
      throw new Error(
        `stack ${id} is for region ${this.region}: deploy it to ${IAM_EVENTS_REGION}, the only region where IAM's CloudTrail events reach EventBridge`,
      );
    }
    const { config } = props;
    if (config.organization && Token.isUnresolved(this.account)) {
      throw new ConfigError(
        "context organization: organization mode names this stack's account in the member roles' trust and the StackSet: deploy with credentials for that account (the CDK then sets CDK_DEFAULT_ACCOUNT), e.g. --profile",
      );
    }

    // The security topic, encrypted with its own key. CloudWatch alarms publish through SNS, which
    // needs the key on the alarms' behalf; the functions' roles get the key through SNS only.
    this.topicKey = new Key(this, 'TopicKey', {
      description: 'awssec iam-mfa: encrypts the security topic',
      enableKeyRotation: true,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToUseTheKey',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'SecurityTopic', {
      displayName: 'awssec iam-mfa security',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy, which replaces SNS's default one: allow this account's alarms.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    for (const address of config.securityEmails) this.topic.addSubscription(new EmailSubscription(address));

    this.reportBucket = new Bucket(this, 'ReportBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'ExpireOldVersions',
          noncurrentVersionExpiration: Duration.days(365),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(
      this.reportBucket,
      'AwsSolutions-S1',
      'No server access log: only the nightly function writes here (s3:PutObject under reports/), versioning keeps every report, and CloudTrail (S3 data events, where the account enables them) records access; an access-log bucket would need the same exemption',
    );

    this.alertTable = new Table(this, 'AlertTable', {
      partitionKey: { name: ALERT_TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: ALERT_TABLE_KEYS.ttlAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      // Claims live for an alert window; nothing in the table is worth keeping after the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const env = environmentValues(config, {
      reportBucket: this.reportBucket.bucketName,
      topicArn: this.topic.topicArn,
      alertTable: this.alertTable.tableName,
      accountId: this.account,
    });
    const environmentOf = (name: EnvFunctionName) =>
      Object.fromEntries(FUNCTION_ENV[name].map((variable) => [variable, env[variable]]));
    const common = { alarmTopic: this.topic, logRetention: config.logRetentionDays };

    const onboarding = new AwssecFunction(this, 'Onboarding', {
      ...common,
      entry: FUNCTIONS.onboarding.entry,
      serviceName: FUNCTIONS.onboarding.serviceName,
      description: 'awssec iam-mfa: attaches RequireMFA to each new IAM user and mails the MFA set-up steps',
      environment: environmentOf('onboarding'),
      timeout: Duration.minutes(1),
      ...(config.organization ? { roleName: CENTRAL_ROLE_NAMES.onboarding } : {}),
    });
    const modeText = `${config.mode} mode${config.mode === 'enforce' ? (config.apply ? ', applying' : ', dry run') : ''}`;
    // Organization mode: the same role and permissions, run by the state machine for one account a call.
    const nightly = new AwssecFunction(this, 'Nightly', {
      ...common,
      ...(config.organization
        ? {
            entry: FUNCTIONS.accountNightly.entry,
            serviceName: FUNCTIONS.accountNightly.serviceName,
            description: `awssec iam-mfa: the nightly MFA report of one account of the organization (${modeText})`,
            environment: environmentOf('accountNightly'),
            roleName: CENTRAL_ROLE_NAMES.nightly,
          }
        : {
            entry: FUNCTIONS.nightly.entry,
            serviceName: FUNCTIONS.nightly.serviceName,
            description: `awssec iam-mfa: the nightly MFA report (${modeText})`,
            environment: environmentOf('nightly'),
          }),
      timeout: Duration.minutes(15),
      memorySize: 1024,
    });
    const alerts = new AwssecFunction(this, 'Alerts', {
      ...common,
      entry: FUNCTIONS.alerts.entry,
      serviceName: FUNCTIONS.alerts.serviceName,
      description:
        'awssec iam-mfa: tells the security topic about sign-ins without MFA, root sign-ins, MFA device changes, RequireMFA changes',
      environment: environmentOf('alerts'),
      timeout: Duration.seconds(30),
      ...(config.organization ? { roleName: CENTRAL_ROLE_NAMES.alerts } : {}),
    });
    this.functions = { onboarding, nightly, alerts };
    const orgFunctions = config.organization
      ? this.buildOrgNightlyFunctions(config, environmentOf, common)
      : undefined;
    // The night's metrics come from the nightly function, or in organization mode from the last step.
    const metricsSource = orgFunctions?.aggregate ?? nightly;
    // A RequireMFA that is not the canonical document is attached to nobody until someone repairs it.
    const untrusted =
      'the RequireMFA policy is not the canonical document (tampered, or from an earlier release), so it is attached to nobody: run awssec iam-mfa policy --repair, and find out who changed it';
    onboarding.alarmOnMetric('RequireMfaPolicyUntrusted', untrusted, Duration.minutes(5));
    metricsSource.alarmOnMetric('RequireMfaPolicyUntrusted', untrusted, Duration.days(1));
    if (config.securityHub) {
      metricsSource.alarmOnMetric(
        'SecurityHubFindingsNotImported',
        "the nightly run could not import findings into Security Hub (its summary says why): check that Security Hub is enabled in this region and the function's role may import",
        Duration.days(1),
      );
    }
    metricsSource.alarmOnMetric(
      'UsersAtTagQuota',
      "a user the run may warn or act on has IAM's 50 tags, so the tool's record of them is kept in the report bucket (records/): remove a tag from them if you can",
      Duration.days(1),
    );

    const resources: PermissionResources = {
      ...iamResourcesOf(this),
      sesIdentities: this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' }),
      reportObjects: this.reportBucket.arnForObjects('reports/*'),
      reportBucket: this.reportBucket.bucketArn,
      recordObjects: this.reportBucket.arnForObjects('records/*'),
      topic: this.topic.topicArn,
      topicKey: this.topicKey.keyArn,
      snsService: `sns.${this.region}.amazonaws.com`,
      alertTable: this.alertTable.tableArn,
      securityHub: this.formatArn({ service: 'securityhub', resource: 'hub', resourceName: 'default' }),
      securityHubProduct: this.formatArn({
        service: 'securityhub',
        resource: 'product',
        resourceName: `${this.account}/default`,
      }),
      ...(config.organization
        ? {
            memberRoles: {
              audit: this.memberRoleArn(MEMBER_ROLE_NAMES.audit),
              enforce: this.memberRoleArn(MEMBER_ROLE_NAMES.enforce),
              onboarding: this.memberRoleArn(MEMBER_ROLE_NAMES.onboarding),
            },
          }
        : {}),
    };
    onboarding.grant(...onboardingPermissions(config, resources));
    nightly.grant(...nightlyPermissions(config, resources));
    alerts.grant(...alertsPermissions(config, resources));

    onboarding.addTrigger(CREATE_USER_RULE.id, CREATE_USER_RULE);
    if (orgFunctions === undefined) {
      nightly.addTrigger('ScheduleRule', {
        description: `awssec iam-mfa: the nightly MFA run, ${config.schedule} (UTC)`,
        schedule: Schedule.expression(config.schedule),
        // A run that EventBridge could not start within the hour is better left to the next night.
        maxEventAge: Duration.hours(1),
      });
      this.orgNightly = undefined;
    } else {
      orgFunctions.listAccounts.grant(...orgAccountsPermissions());
      orgFunctions.aggregate.grant(...orgReportPermissions(resources));
      this.orgNightly = {
        ...orgFunctions,
        stateMachine: new OrgNightly(this, 'OrgNightly', {
          schedule: config.schedule,
          accountConcurrency: config.accountConcurrency,
          listAccounts: orgFunctions.listAccounts,
          runAccount: nightly,
          aggregate: orgFunctions.aggregate,
          alarmTopic: this.topic,
          logRetention: config.logRetentionDays,
        }),
      };
    }
    // Organization mode forwards the member accounts' events to it too.
    this.regionsBus =
      forwardedRegions(config).length === 0 && !config.organization
        ? undefined
        : this.buildRegionsBus(config);
    // The alerts start from this region's own events on the default bus, and from the other regions' on theirs.
    const buses: { idPrefix: string; eventBus?: IEventBus; origin: string }[] = [
      { idPrefix: '', origin: '' },
      ...(this.regionsBus === undefined
        ? []
        : [{ idPrefix: 'Forwarded', eventBus: this.regionsBus, origin: ', forwarded from another region' }]),
    ];
    for (const { idPrefix, eventBus, origin } of buses) {
      for (const rule of ALERT_RULES) {
        alerts.addTrigger(`${idPrefix}${rule.id}`, {
          description: `${rule.description}${origin}`,
          eventPattern: rule.eventPattern,
          ...(eventBus === undefined ? {} : { eventBus }),
        });
      }
    }

    if (config.organization && this.regionsBus !== undefined) {
      onboarding.addTrigger(`Forwarded${CREATE_USER_RULE.id}`, {
        description: `${CREATE_USER_RULE.description}, forwarded from a member account`,
        eventPattern: CREATE_USER_RULE.eventPattern,
        eventBus: this.regionsBus,
      });
    }
    this.organization = config.organization
      ? this.buildMemberStackSet(config, props.prepareMemberApp)
      : undefined;

    this.dashboard = this.buildDashboard(
      [
        ...Object.values(this.functions),
        ...(orgFunctions === undefined ? [] : [orgFunctions.listAccounts, orgFunctions.aggregate]),
      ],
      forwardedRegions(config),
      metricsSource.serviceName,
      orgFunctions !== undefined,
    );

    new CfnOutput(this, 'SecurityTopicArn', {
      value: this.topic.topicArn,
      description: 'The security SNS topic: alerts, nightly summaries and alarms',
    });
    new CfnOutput(this, 'ReportBucketName', {
      value: this.reportBucket.bucketName,
      description: 'The nightly JSON and CSV reports, under reports/YYYY/MM/DD/',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.dashboard.dashboardName,
      description: 'The CloudWatch dashboard of the compliance figures',
    });
    if (this.orgNightly !== undefined) {
      new CfnOutput(this, 'OrgNightlyStateMachineArn', {
        value: this.orgNightly.stateMachine.stateMachine.stateMachineArn,
        description:
          "The organization's nightly run: its executions show each account's step (aws stepfunctions list-executions)",
      });
    }
    if (this.organization !== undefined) {
      new CfnOutput(this, 'MemberStackSetName', {
        value: MEMBER_STACK_SET_NAME,
        description:
          "The StackSet that installs the member roles and event forwarding in the organization's accounts",
      });
    }
  }

  /** Organization mode: the functions of the state machine's first step (list the accounts) and last (one report). */
  private buildOrgNightlyFunctions(
    config: AwssecConfig,
    environmentOf: (name: EnvFunctionName) => Record<string, string>,
    common: { alarmTopic: Topic; logRetention: AwssecConfig['logRetentionDays'] },
  ): { listAccounts: AwssecFunction; aggregate: AwssecFunction } {
    const listAccounts = new AwssecFunction(this, 'OrgAccounts', {
      ...common,
      entry: FUNCTIONS.orgAccounts.entry,
      serviceName: FUNCTIONS.orgAccounts.serviceName,
      description: "awssec iam-mfa: lists the organization's ACTIVE accounts for the nightly run",
      environment: environmentOf('orgAccounts'),
      timeout: Duration.minutes(2),
    });
    const aggregate = new AwssecFunction(this, 'OrgReport', {
      ...common,
      entry: FUNCTIONS.orgReport.entry,
      serviceName: FUNCTIONS.orgReport.serviceName,
      description: `awssec iam-mfa: the organization's nightly report and summary (${config.mode} mode)`,
      environment: environmentOf('orgReport'),
      timeout: Duration.minutes(10),
      memorySize: 1024,
    });
    return { listAccounts, aggregate };
  }

  /** `arn:PARTITION:iam::*:role/NAME`: the member role in whichever account of the organization. */
  private memberRoleArn(name: string): string {
    return this.formatArn({ service: 'iam', region: '', account: '*', resource: 'role', resourceName: name });
  }

  /**
   * The service-managed StackSet of the member stack: every account of the
   * target OUs but this one (covered by this stack and the regional ones),
   * and each account that joins them later, in us-east-1 and every region of
   * `regions`. Created as the delegated administrator: see docs/deploy.md.
   */
  private buildMemberStackSet(
    config: AwssecConfig,
    prepareMemberApp: ((app: App) => void) | undefined,
  ): NonNullable<AwssecIamMfaStack['organization']> {
    const { stack: memberStack, templateBody } = synthesizeMemberStack(
      this,
      { config, centralAccount: this.account },
      prepareMemberApp,
    );
    const stackSet = new CfnStackSet(this, 'MemberStackSet', {
      stackSetName: MEMBER_STACK_SET_NAME,
      description:
        'awssec iam-mfa: the member roles (AwssecIamMfaAudit, AwssecIamMfaEnforce, AwssecIamMfaOnboarding) and the forwarding of IAM and sign-in events to the central account',
      permissionModel: 'SERVICE_MANAGED',
      callAs: 'DELEGATED_ADMIN',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The member roles have fixed names, which the central functions build ARNs from.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 10,
        failureTolerancePercentage: 10,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: {
            organizationalUnitIds: [...config.targetOus],
            // This account has this stack's own rules: a member stack here would forward its events twice.
            accounts: [this.account],
            accountFilterType: 'DIFFERENCE',
          },
          regions: [...memberRegions(config)],
        },
      ],
      templateBody,
    });
    // The member rules' target must exist before they are created.
    if (this.regionsBus !== undefined) stackSet.node.addDependency(this.regionsBus);
    return { stackSet, memberStack, templateBody };
  }

  /**
   * A bus of its own for the forwarded events, not the default bus: an
   * organisation may route other accounts' events through the default bus's
   * policy, which this stack then leaves alone. Only this account may put
   * events on it, as the regional stacks' forwarding roles do; in
   * organization mode, any principal of the organization, as the member
   * accounts' forwarding roles do, and nobody outside it.
   */
  private buildRegionsBus(config: AwssecConfig): EventBus {
    const bus = new EventBus(this, 'RegionsBus', {
      eventBusName: REGIONS_BUS_NAME,
      description: config.organization
        ? "awssec iam-mfa: console sign-ins recorded in other regions, and the member accounts' IAM and sign-in events, forwarded here"
        : 'awssec iam-mfa: console sign-ins recorded in other regions, forwarded here',
    });
    // Its ARN from its name: the attribute would make the bus depend on itself.
    const arn = regionsBusArn(this);
    // The bus's own Policy property: EventBus.addToResourcePolicy's EventBusPolicy resource prints a
    // deprecation warning at every synth.
    (bus.node.defaultChild as CfnEventBus).policy = new PolicyDocument({
      statements: config.organization
        ? [
            new PolicyStatement({
              sid: 'OrganizationPutsEvents',
              effect: Effect.ALLOW,
              principals: [new AnyPrincipal()],
              actions: ['events:PutEvents'],
              resources: [arn],
              conditions: { StringEquals: { 'aws:PrincipalOrgID': config.organizationId } },
            }),
            new PolicyStatement({
              sid: 'OnlyThisOrganizationPutsEvents',
              effect: Effect.DENY,
              principals: [new AnyPrincipal()],
              actions: ['events:PutEvents'],
              resources: [arn],
              conditions: { StringNotEquals: { 'aws:PrincipalOrgID': config.organizationId } },
            }),
          ]
        : [
            new PolicyStatement({
              sid: 'OnlyThisAccountPutsEvents',
              effect: Effect.DENY,
              principals: [new AnyPrincipal()],
              actions: ['events:PutEvents'],
              resources: [arn],
              conditions: { StringNotEquals: { 'aws:PrincipalAccount': this.account } },
            }),
          ],
    });
    return bus;
  }

  /** The nightly figures over time, then the functions' health, then the forwarding from other regions. */
  private buildDashboard(
    functions: readonly AwssecFunction[],
    regions: readonly string[],
    metricsService: string,
    organization: boolean,
  ): Dashboard {
    const nightly = (name: MetricName, statistic = 'Maximum') =>
      new Metric({
        namespace: METRICS.namespace,
        metricName: name,
        dimensionsMap: { service: metricsService },
        statistic,
        period: Duration.days(1),
        label: name,
      });
    const graph = (title: string, metrics: IMetric[], unit?: { min: number; max?: number }) =>
      new GraphWidget({
        title,
        left: metrics,
        width: 12,
        height: 6,
        ...(unit === undefined
          ? {}
          : { leftYAxis: { min: unit.min, ...(unit.max === undefined ? {} : { max: unit.max }) } }),
      });

    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-mfa-compliance`,
      defaultInterval: Duration.days(90),
    });
    dashboard.addWidgets(
      new TextWidget({
        markdown:
          "# awssec iam-mfa\nThe nightly run's figures (one point a night), then the functions' errors and dead-letter queues. The reports themselves are in the report bucket.",
        width: 24,
        height: 2,
      }),
    );
    if (organization) {
      // Each account's figures carry AccountId: a search finds every account that reported, the sort keeps the worst.
      const perAccount = `{${METRICS.namespace},${METRICS.accountDimension},service} service="${metricsService}" MetricName="CompliancePercent"`;
      dashboard.addWidgets(
        graph(
          'Organization: accounts assessed, and not assessed (role missing, access denied, …: see the summary)',
          [nightly('AccountsAssessed'), nightly('AccountsNotAssessed')],
          { min: 0 },
        ),
        graph(
          'Worst accounts: compliance (%) of the 10 lowest, by AccountId',
          [
            new MathExpression({
              expression: `SORT(SEARCH('${perAccount}', 'Minimum', 86400), MIN, ASC, 10)`,
              label: '',
              period: Duration.days(1),
            }),
          ],
          { min: 0, max: 100 },
        ),
      );
    }
    dashboard.addWidgets(
      graph(
        'Compliance (%)',
        [
          nightly('CompliancePercent'),
          nightly('ConsoleUsersWithMfaPercent'),
          nightly('KeyUsersWithMfaPercent'),
        ],
        { min: 0, max: 100 },
      ),
      graph(
        'Users by status',
        [
          nightly('UsersTotal'),
          nightly('UsersCompliant'),
          nightly('UsersNonCompliant'),
          nightly('UsersGracePeriod'),
          nightly('UsersExempted'),
        ],
        { min: 0 },
      ),
    );
    dashboard.addWidgets(
      graph(
        'Warned, enforced, failures',
        [
          nightly('UsersWarned', 'Sum'),
          nightly('UsersEnforced', 'Sum'),
          nightly('EnforcementFailures', 'Sum'),
        ],
        { min: 0 },
      ),
      graph(
        'Root: MFA enabled, has credentials (1 = yes; root without credentials needs no MFA)',
        [nightly('RootMfaEnabled', 'Minimum'), nightly('RootHasCredentials')],
        { min: 0, max: 1 },
      ),
    );
    dashboard.addWidgets(
      graph(
        'Needs a person: RequireMFA not canonical (1 = yes), users at the tag quota, findings Security Hub did not take',
        [
          nightly('RequireMfaPolicyUntrusted'),
          nightly('UsersAtTagQuota'),
          nightly('SecurityHubFindingsNotImported'),
        ],
        { min: 0 },
      ),
    );
    dashboard.addWidgets(
      graph(
        'Function errors',
        functions.map((fn) =>
          fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', label: fn.serviceName }),
        ),
        { min: 0 },
      ),
      graph(
        'Dead-letter queue depth (messages)',
        functions.flatMap((fn) =>
          fn.deadLetterQueues.map((queue) =>
            queue.metricApproximateNumberOfMessagesVisible({
              period: Duration.minutes(5),
              statistic: 'Maximum',
              label: `${fn.node.id} ${queue.node.id}`,
            }),
          ),
        ),
        { min: 0 },
      ),
    );
    if (regions.length > 0) {
      // A dashboard graphs other regions' metrics; an alarm could notify only a topic of its own region.
      dashboard.addWidgets(
        graph(
          'Events not forwarded to us-east-1, by region (forwarding dead-letter queues; no alarm watches them)',
          regions.map(
            (region) =>
              new Metric({
                namespace: 'AWS/SQS',
                metricName: 'ApproximateNumberOfMessagesVisible',
                dimensionsMap: { QueueName: FORWARDING_DLQ_NAME },
                region,
                statistic: 'Maximum',
                period: Duration.minutes(5),
                label: region,
              }),
          ),
          { min: 0 },
        ),
      );
    }
    return dashboard;
  }
}
