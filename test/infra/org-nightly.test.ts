/**
 * Organization mode's nightly state machine, as the template has it: its
 * states (the Choice, both Maps and their MaxConcurrency, the Catch), the
 * schedule that starts it, the roles of its functions, the state machine's
 * and the schedule's, statement by statement, its logging, tracing, alarms
 * and dashboard; and single-account mode without any of it.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTION_ENV, FUNCTIONS } from '../../lambdas/function-contract.ts';
import type { AwssecFunction } from '../../lib/constructs/awssec-function.ts';
import { INLINE_MAP_MAX_ACCOUNTS } from '../../lib/org-nightly.ts';
import { type Built, buildStack, canonical, cfn, logicalIdOf, roleStatements } from './support.ts';

const CENTRAL = '111111111111';
const ORG = { organization: 'true', organizationId: 'o-a1b2c3d4e5', targetOus: 'r-ab12' };
const SENDER = 'security@example.com';

const orgStack = (context: Record<string, unknown> = {}): Built =>
  buildStack({ ...ORG, ...context }, { account: CENTRAL });

function orgNightlyOf(built: Built) {
  const org = built.stack.orgNightly;
  if (org === undefined) throw new Error('not in organization mode');
  return org;
}

/** A token of the definition as `<Logical.Attribute>` or `<Logical>`; its text as it is. */
function tokenText(part: unknown): string {
  if (typeof part === 'string') return part;
  const node = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (node['Fn::GetAtt'] !== undefined) return `<${node['Fn::GetAtt'].join('.')}>`;
  if (node.Ref !== undefined) return `<${node.Ref}>`;
  throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
}

/** `<Logical.Arn>` for a function's ARN, as the definition below reads it. */
const arnOf = (built: Built, fn: AwssecFunction) => tokenText(cfn(built.stack, fn.function.functionArn));

interface State {
  Type: string;
  [key: string]: unknown;
}

/** The state machine's definition, its tokens written as `<Logical.Arn>`. */
function definitionOf(built: Built): { StartAt: string; States: Record<string, State> } {
  const machines = Object.values(built.template.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const definition = machines[0]?.Properties.DefinitionString as
    | { 'Fn::Join': [string, unknown[]] }
    | undefined;
  const parts = definition?.['Fn::Join'][1] ?? [];
  return JSON.parse(parts.map(tokenText).join('')) as {
    StartAt: string;
    States: Record<string, State>;
  };
}

const baseStatements = (built: Built, fn: AwssecFunction) => [
  {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: cfn(built.stack, fn.logGroup.logGroupArn),
  },
  { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: cfn(built.stack, fn.failureQueue.queueArn) },
];

describe("organization mode's nightly state machine", () => {
  it('lists the accounts, chooses the inline Map up to 40 accounts and the Distributed Map above, then reports', () => {
    const built = orgStack();
    const { listAccounts, aggregate } = orgNightlyOf(built);
    const nightly = built.stack.functions.nightly;
    const { StartAt, States } = definitionOf(built);
    expect(StartAt).toBe('ListAccounts');
    expect(Object.keys(States).sort()).toEqual(
      [
        'ListAccounts',
        'FewOrManyAccounts',
        'RunEachAccount',
        'RunEachAccountDistributed',
        'ReportOrganization',
      ].sort(),
    );
    expect(States.ListAccounts).toMatchObject({
      Type: 'Task',
      Resource: arnOf(built, listAccounts),
      Next: 'FewOrManyAccounts',
    });
    expect(INLINE_MAP_MAX_ACCOUNTS).toBe(40);
    expect(States.FewOrManyAccounts).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.count', NumericLessThanEquals: 40, Next: 'RunEachAccount' }],
      Default: 'RunEachAccountDistributed',
    });

    const account = (suffix: string) => ({
      StartAt: `RunAccount${suffix}`,
      States: {
        [`RunAccount${suffix}`]: expect.objectContaining({
          Type: 'Task',
          Resource: arnOf(built, nightly),
          End: true,
          Catch: [
            { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: `AccountNotAssessed${suffix}` },
          ],
        }),
        [`AccountNotAssessed${suffix}`]: expect.objectContaining({
          Type: 'Pass',
          End: true,
          Parameters: {
            'account_id.$': '$.accountId',
            'account_name.$': '$.name',
            status: 'not-assessed',
            'reason.$': "States.Format('the nightly function failed for the account ({})', $.error.Error)",
          },
        }),
      },
    });
    expect(States.RunEachAccount).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.accounts',
      ResultPath: '$.results',
      MaxConcurrency: 8,
      Next: 'ReportOrganization',
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...account('') },
    });
    expect(States.RunEachAccountDistributed).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.accounts',
      ResultPath: '$.results',
      MaxConcurrency: 8,
      ToleratedFailurePercentage: 100,
      Next: 'ReportOrganization',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        ...account('Distributed'),
      },
    });
    expect(States.ReportOrganization).toMatchObject({
      Type: 'Task',
      Resource: arnOf(built, aggregate),
      Parameters: { 'results.$': '$.results' },
      End: true,
    });
    // An error the Map's Catch does not see (listing, reporting) fails the execution, which an alarm watches.
    expect(States.ListAccounts?.Catch).toBeUndefined();
    expect(States.ReportOrganization?.Catch).toBeUndefined();
  });

  it('takes MaxConcurrency from accountConcurrency, for both Maps', () => {
    const { States } = definitionOf(orgStack({ accountConcurrency: '20' }));
    expect([States.RunEachAccount?.MaxConcurrency, States.RunEachAccountDistributed?.MaxConcurrency]).toEqual(
      [20, 20],
    );
  });

  it('logs every state and traces with X-Ray (cdk-nag AwsSolutions-SF1, SF2)', () => {
    const built = orgStack();
    built.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('is started by the schedule, whose role may start this state machine and nothing else; the nightly function has no schedule', () => {
    const built = orgStack();
    const org = orgNightlyOf(built);
    const machine = cfn(built.stack, org.stateMachine.stateMachine.stateMachineArn);
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: machine,
          DeadLetterConfig: { Arn: cfn(built.stack, org.stateMachine.deadLetterQueue.queueArn) },
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 4 },
        }),
      ],
    });
    const schedules = Object.values(built.template.findResources('AWS::Events::Rule')).filter(
      (rule) => rule.Properties.ScheduleExpression !== undefined,
    );
    expect(schedules).toHaveLength(1);
    expect(built.stack.functions.nightly.rules).toEqual([]);
    built.template.hasOutput('OrgNightlyStateMachineArn', { Value: machine });

    const eventsRole = schedules[0]?.Properties.Targets[0].RoleArn as { 'Fn::GetAtt': [string, string] };
    expect(roleStatements(built, () => eventsRole['Fn::GetAtt'][0])).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: machine },
    ]);
  });

  it('may invoke its three functions only, and its own child executions', () => {
    const built = orgStack();
    const org = orgNightlyOf(built);
    const fns = [built.stack.functions.nightly, org.listAccounts, org.aggregate];
    const arns = fns.map((fn) => cfn(built.stack, fn.function.functionArn));
    const roleId = logicalIdOf(built.stack, org.stateMachine.stateMachine.role as never);
    const policies = Object.values(built.template.findResources('AWS::IAM::Policy')).filter(
      (policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    );
    // Its default policy, and the Distributed Map's own.
    expect(policies).toHaveLength(2);
    const statements = canonical(
      policies.find((policy) => JSON.stringify(policy).includes('lambda:InvokeFunction'))?.Properties
        .PolicyDocument.Statement as unknown[],
    );
    expect(statements[0]).toEqual({
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: [...arns, ...arns.map((arn) => ({ 'Fn::Join': ['', [arn, ':*']] }))],
    });
    // The rest: X-Ray and log delivery, which take no resource.
    expect(statements.slice(1)).toEqual([
      expect.objectContaining({ Resource: '*', Action: expect.arrayContaining(['xray:PutTraceSegments']) }),
    ]);
    const distributed = Object.values(built.template.findResources('AWS::IAM::Policy')).filter(
      (policy) =>
        JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]) &&
        JSON.stringify(policy.Properties.PolicyDocument).includes('states:'),
    );
    expect(distributed).toHaveLength(1);
    const machine = cfn(built.stack, org.stateMachine.stateMachine.stateMachineArn);
    const states = canonical(distributed[0]?.Properties.PolicyDocument.Statement as unknown[]);
    expect(states[0]).toEqual({ Effect: 'Allow', Action: 'states:StartExecution', Resource: machine });
    expect(states.slice(1).map((s) => (s as { Action: unknown }).Action)).toEqual([
      ['states:DescribeExecution', 'states:StopExecution'],
      'states:RedriveExecution',
    ]);
    expect(JSON.stringify(states.slice(1))).toContain(':execution:');
  });

  it("the list step's role: the organization's accounts and nothing else", () => {
    const built = orgStack();
    const { listAccounts } = orgNightlyOf(built);
    expect(roleStatements(built, (stack) => logicalIdOf(stack, listAccounts.role))).toEqual([
      ...baseStatements(built, listAccounts),
      {
        Sid: 'ListOrganizationAccounts',
        Effect: 'Allow',
        Action: 'organizations:ListAccounts',
        Resource: '*',
      },
    ]);
  });

  it("the report step's role: read and write reports, publish the one summary", () => {
    const built = orgStack();
    const { aggregate } = orgNightlyOf(built);
    expect(roleStatements(built, (stack) => logicalIdOf(stack, aggregate.role))).toEqual([
      ...baseStatements(built, aggregate),
      {
        Sid: 'ReadAndWriteReports',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [cfn(built.stack, built.stack.reportBucket.bucketArn), '/reports/*']] },
      },
      {
        Sid: 'PublishSummary',
        Effect: 'Allow',
        Action: 'sns:Publish',
        Resource: cfn(built.stack, built.stack.topic.topicArn),
      },
      {
        Sid: 'UseTopicKeyThroughSns',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: cfn(built.stack, built.stack.topicKey.keyArn),
        Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
      },
    ]);
  });

  it.each([
    ['report', {}, 'AwssecIamMfaAudit'],
    ['warn', { mode: 'warn', senderEmail: SENDER }, 'AwssecIamMfaEnforce'],
    ['enforce', { mode: 'enforce', apply: 'true', senderEmail: SENDER }, 'AwssecIamMfaEnforce'],
  ])(
    '%s mode: the nightly function runs one account, through the member role its role may assume',
    (_, context, role) => {
      const built = orgStack(context);
      const { nightly } = built.stack.functions;
      const resource =
        built.template.findResources('AWS::Lambda::Function')[logicalIdOf(built.stack, nightly.function)];
      const variables = resource?.Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(variables).sort()).toEqual(
        [...FUNCTION_ENV.accountNightly, 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'].sort(),
      );
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: FUNCTIONS.accountNightly.serviceName,
        MEMBER_ROLE_NAME: role,
        ACCOUNT_CONCURRENCY: '8',
      });
      const org = orgNightlyOf(built);
      for (const [fn, name] of [
        [org.listAccounts, 'orgAccounts'],
        [org.aggregate, 'orgReport'],
      ] as const) {
        const vars = built.template.findResources('AWS::Lambda::Function')[
          logicalIdOf(built.stack, fn.function)
        ]?.Properties.Environment.Variables as Record<string, unknown>;
        expect(Object.keys(vars).sort(), name).toEqual(
          [...FUNCTION_ENV[name], 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'].sort(),
        );
        expect(vars.POWERTOOLS_SERVICE_NAME).toBe(FUNCTIONS[name].serviceName);
      }
    },
  );

  it("alarms on failed and timed-out executions and on the report step's metrics; the dashboard shows the worst accounts", () => {
    const built = orgStack({ securityHub: 'true' });
    const org = orgNightlyOf(built);
    expect(org.stateMachine.alarms.map((alarm) => alarm.node.id)).toEqual([
      'ExecutionsFailedAlarm',
      'ExecutionsTimedOutAlarm',
      'ScheduleDeadLetterQueueAlarm',
    ]);
    for (const metric of ['RequireMfaPolicyUntrusted', 'UsersAtTagQuota', 'SecurityHubFindingsNotImported']) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: FUNCTIONS.orgReport.serviceName }],
      });
    }
    expect(org.aggregate.alarms.map((alarm) => alarm.node.id)).toContain('UsersAtTagQuotaAlarm');
    expect(built.stack.functions.nightly.alarms.map((alarm) => alarm.node.id)).not.toContain(
      'UsersAtTagQuotaAlarm',
    );
    const body = JSON.stringify(
      Object.values(built.template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
    );
    expect(body).toContain(
      `SORT(SEARCH('{AwssecIamMfa,AccountId,service} service=\\\\\\"${FUNCTIONS.orgReport.serviceName}\\\\\\" MetricName=\\\\\\"CompliancePercent\\\\\\"', 'Minimum', 86400), MIN, ASC, 10)`,
    );
    expect(body).toContain('AccountsNotAssessed');
  });
});

describe('single-account mode', () => {
  it('has no state machine: the schedule invokes the nightly function', () => {
    const built = buildStack();
    built.template.resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    expect(built.stack.orgNightly).toBeUndefined();
    expect(built.stack.functions.nightly.rules.map((rule) => rule.node.id)).toEqual(['ScheduleRule']);
    expect(JSON.stringify(built.template.toJSON())).not.toContain('AccountId,service');
  });
});
