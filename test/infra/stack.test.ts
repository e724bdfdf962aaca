import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUIRE_MFA_POLICY_NAME } from '../../lambdas/core/policies.ts';
import { ENV, EVENTS, FUNCTION_ENV, FUNCTIONS, METRICS } from '../../lambdas/function-contract.ts';
import { AwssecIamMfaStack } from '../../lib/awssec-iam-mfa-stack.ts';
import { DEFAULT_CONFIG, DEFAULT_REGIONS } from '../../lib/config.ts';
import { ALERT_PATTERNS, type Built, buildStack, cfn } from './support.ts';

let built: Built;
beforeAll(() => {
  built = buildStack();
});

describe('event rules', () => {
  it('onboarding: CreateUser from IAM via CloudTrail', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.iam'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['iam.amazonaws.com'], eventName: ['CreateUser'] },
      },
      Targets: [
        Match.objectLike({ Arn: cfn(built.stack, built.stack.functions.onboarding.function.functionArn) }),
      ],
    });
  });

  it('alerts: an IAM user signing in successfully without MFA, under both detail-type spellings', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALERT_PATTERNS.ConsoleSignInWithoutMfaRule),
      Targets: [
        Match.objectLike({ Arn: cfn(built.stack, built.stack.functions.alerts.function.functionArn) }),
      ],
    });
  });

  it('alerts: any root sign-in, under both detail-type spellings', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALERT_PATTERNS.RootSignInRule),
    });
  });

  it('alerts: an MFA device deactivated or deleted', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALERT_PATTERNS.MfaDeviceRemovedRule),
    });
  });

  it('alerts: an MFA device enabled', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALERT_PATTERNS.MfaDeviceEnabledRule),
      Targets: [
        Match.objectLike({ Arn: cfn(built.stack, built.stack.functions.alerts.function.functionArn) }),
      ],
    });
  });

  it('alerts: the RequireMFA policy changed, deleted or detached', () => {
    expect(EVENTS.requireMfaPolicyChanges.policyArnSuffix).toBe(`:policy/${REQUIRE_MFA_POLICY_NAME}`);
    built.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.exact(ALERT_PATTERNS.RequireMfaPolicyChangedRule),
      Targets: [
        Match.objectLike({ Arn: cfn(built.stack, built.stack.functions.alerts.function.functionArn) }),
      ],
    });
  });

  it('nightly: the configured schedule, by default 03:00 UTC', () => {
    built.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Targets: [
        Match.objectLike({ Arn: cfn(built.stack, built.stack.functions.nightly.function.functionArn) }),
      ],
    });
    buildStack({ schedule: 'cron(30 22 ? * MON-FRI *)' }).template.hasResourceProperties(
      'AWS::Events::Rule',
      {
        ScheduleExpression: 'cron(30 22 ? * MON-FRI *)',
      },
    );
  });

  it('has exactly these seven rules on the default bus, and the five alert rules again on the regions bus', () => {
    const rules = Object.values(built.template.findResources('AWS::Events::Rule'));
    expect(rules.filter((rule) => rule.Properties.EventBusName === undefined)).toHaveLength(7);
    expect(rules.filter((rule) => rule.Properties.EventBusName !== undefined)).toHaveLength(5);
  });

  it('gives every target its own encrypted dead-letter queue, retries and a maximum event age', () => {
    const rules = Object.values(built.template.findResources('AWS::Events::Rule'));
    const queues = built.template.findResources('AWS::SQS::Queue');
    const deadLetterArns = new Set<string>();
    for (const rule of rules) {
      expect(rule.Properties.Targets).toHaveLength(1);
      const [target] = rule.Properties.Targets;
      expect(target.RetryPolicy).toEqual({
        MaximumRetryAttempts: 4,
        MaximumEventAgeInSeconds: expect.any(Number),
      });
      const queueId = target.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
      expect(queues[queueId]?.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      deadLetterArns.add(queueId);
    }
    expect(deadLetterArns.size).toBe(rules.length);
  });

  it('lets only its rule send to each target dead-letter queue, and only over TLS', () => {
    const rules = built.template.findResources('AWS::Events::Rule');
    for (const [ruleId, rule] of Object.entries(rules)) {
      const queueId = rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
      built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
            }),
          ],
        },
      });
    }
  });
});

describe('functions', () => {
  // Organization mode's state machine functions: test/infra/org-nightly.test.ts.
  const names = ['onboarding', 'nightly', 'alerts'] as const;

  it.each(names)(
    '%s: Node.js 22 on arm64, its own log group with the retention, a DLQ for failed invocations',
    (name) => {
      const fn = built.stack.functions[name];
      built.template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Role: cfn(built.stack, fn.role.roleArn),
        LoggingConfig: { LogGroup: cfn(built.stack, fn.logGroup.logGroupName) },
        DeadLetterConfig: { TargetArn: cfn(built.stack, fn.failureQueue.queueArn) },
        Environment: {
          Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: FUNCTIONS[name].serviceName }),
        },
      });
      const logGroupId = built.stack.getLogicalId(fn.logGroup.node.defaultChild as never);
      expect(built.template.findResources('AWS::Logs::LogGroup')[logGroupId]).toMatchObject({
        Properties: { RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    },
  );

  it.each(names)(
    '%s: exactly the variables FUNCTION_ENV names, plus Powertools (no NODE_OPTIONS)',
    (name) => {
      const fn = built.stack.functions[name];
      const resource =
        built.template.findResources('AWS::Lambda::Function')[
          built.stack.getLogicalId(fn.function.node.defaultChild as never)
        ];
      const variables = resource?.Properties.Environment.Variables as Record<string, unknown>;
      expect(Object.keys(variables).sort()).toEqual(
        [...FUNCTION_ENV[name], 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'].sort(),
      );
      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: FUNCTIONS[name].serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      });
      // No source map is shipped, so none is opened at every cold start.
      expect(variables).not.toHaveProperty('NODE_OPTIONS');
    },
  );

  it('fills the variables from the config: lists comma-joined, booleans and numbers as text', () => {
    const custom = buildStack({
      senderEmail: 'sec@example.com',
      emailDomain: 'example.com',
      excludeUsers: '["svc-*","ci-bot"]',
      breakGlass: 'breakglass-1, breakglass-2',
      gracePeriodDays: '14',
      warningDays: 5,
      mode: 'enforce',
      apply: 'true',
      disableConsoleAccess: true,
      maxUsers: '25',
      maxPercent: '12.5',
      alertWindowMinutes: 30,
      logRetentionDays: '90',
      securityHub: 'true',
    });
    const { stack } = custom;
    const expected = {
      [ENV.senderEmail]: 'sec@example.com',
      [ENV.emailDomain]: 'example.com',
      [ENV.excludeUsers]: 'svc-*,ci-bot',
      [ENV.breakGlass]: 'breakglass-1,breakglass-2',
      [ENV.gracePeriodDays]: '14',
      [ENV.warningDays]: '5',
      [ENV.mode]: 'enforce',
      [ENV.apply]: 'true',
      [ENV.disableConsoleAccess]: 'true',
      [ENV.maxUsers]: '25',
      [ENV.maxPercent]: '12.5',
      [ENV.reportBucket]: cfn(stack, stack.reportBucket.bucketName),
      [ENV.topicArn]: cfn(stack, stack.topic.topicArn),
      [ENV.alertTable]: cfn(stack, stack.alertTable.tableName),
      [ENV.alertWindowMinutes]: '30',
      [ENV.accountId]: { Ref: 'AWS::AccountId' },
      [ENV.securityHub]: 'true',
      [ENV.organizationId]: '',
    };
    for (const name of names) {
      custom.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike(Object.fromEntries(FUNCTION_ENV[name].map((v) => [v, expected[v]]))),
        },
      });
    }
    custom.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 90 }, 3);
  });

  it("tells onboarding and alerts the stack's own account, literal when the stack names one", () => {
    const named = buildStack({}, { account: '123456789012' });
    for (const [stack, expected] of [
      [built, { Ref: 'AWS::AccountId' }],
      [named, '123456789012'],
    ] as const) {
      for (const name of ['onboarding', 'alerts'] as const) {
        const fn = stack.stack.functions[name];
        const resource =
          stack.template.findResources('AWS::Lambda::Function')[
            stack.stack.getLogicalId(fn.function.node.defaultChild as never)
          ];
        expect(resource?.Properties.Environment.Variables[ENV.accountId]).toEqual(expected);
      }
    }
  });

  it('gives the nightly run 15 minutes and 1 GB, the others less', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: FUNCTIONS.nightly.serviceName }),
      },
      Timeout: 900,
      MemorySize: 1024,
    });
    built.template.resourcePropertiesCountIs('AWS::Lambda::Function', { MemorySize: 512 }, 2);
  });

  it('alarms on errors and on every dead-letter queue, notifying the security topic', () => {
    const topic = cfn(built.stack, built.stack.topic.topicArn);
    built.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 1,
        Period: 300,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topic],
      },
      3,
    );
    const queues = Object.keys(built.template.findResources('AWS::SQS::Queue'));
    // Each function's failure queue, and one for each of the twelve rules.
    expect(queues).toHaveLength(15);
    for (const queueId of queues) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topic],
      });
    }
  });

  it('encrypts and requires TLS on every queue', () => {
    built.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    built.template.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      15,
    );
  });
});

describe('the regions bus', () => {
  const BUS_ARN = {
    'Fn::Join': [
      '',
      ['arn:aws:events:us-east-1:', { Ref: 'AWS::AccountId' }, ':event-bus/awssec-iam-mfa-regions'],
    ],
  };

  it('is a bus of its own, awssec-iam-mfa-regions, on which only this account may put events', () => {
    built.template.resourceCountIs('AWS::Events::EventBus', 1);
    built.template.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'awssec-iam-mfa-regions',
      Policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyThisAccountPutsEvents',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'events:PutEvents',
            Resource: BUS_ARN,
            Condition: { StringNotEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
    // The default bus's policy is not this stack's to write.
    built.template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('names the account as a literal when the stack has one', () => {
    const named = buildStack({}, { account: '123456789012' });
    named.template.hasResourceProperties('AWS::Events::EventBus', {
      Policy: {
        Statement: [
          Match.objectLike({
            Resource: 'arn:aws:events:us-east-1:123456789012:event-bus/awssec-iam-mfa-regions',
            Condition: { StringNotEquals: { 'aws:PrincipalAccount': '123456789012' } },
          }),
        ],
      },
    });
  });

  it("starts the alerts function with the same patterns as the default bus's rules, each with its own dead-letter queue", () => {
    const bus = cfn(built.stack, built.stack.regionsBus?.eventBusName ?? 'no regions bus');
    const alerts = cfn(built.stack, built.stack.functions.alerts.function.functionArn);
    const rules = Object.values(built.template.findResources('AWS::Events::Rule'));
    const forwarded = rules.filter(
      (rule) => JSON.stringify(rule.Properties.EventBusName) === JSON.stringify(bus),
    );
    const onDefaultBus = rules.filter(
      (rule) =>
        rule.Properties.EventBusName === undefined &&
        JSON.stringify(rule.Properties.Targets[0].Arn) === JSON.stringify(alerts),
    );
    expect(forwarded.map((rule) => rule.Properties.EventPattern)).toEqual(
      onDefaultBus.map((rule) => rule.Properties.EventPattern),
    );
    expect(forwarded).toHaveLength(5);
    for (const rule of forwarded) {
      expect(rule.Properties.Description).toMatch(/, forwarded from another region$/);
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({ Arn: alerts, DeadLetterConfig: { Arn: expect.anything() } }),
      ]);
    }
    const deadLetterQueues = forwarded.map((rule) =>
      JSON.stringify(rule.Properties.Targets[0].DeadLetterConfig),
    );
    expect(new Set(deadLetterQueues).size).toBe(5);
  });

  it('is left out, with its rules, when us-east-1 is the only region', () => {
    const alone = buildStack({ regions: 'us-east-1' });
    expect(alone.stack.regionsBus).toBeUndefined();
    alone.template.resourceCountIs('AWS::Events::EventBus', 0);
    alone.template.resourceCountIs('AWS::Events::Rule', 7);
    alone.template.resourceCountIs('AWS::SQS::Queue', 10);
    expect(alone.regional.size).toBe(0);
  });
});

describe('the security topic', () => {
  it('is encrypted with its own rotating key, and requires TLS', () => {
    built.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: cfn(built.stack, built.stack.topicKey.keyArn),
    });
    built.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('alarms when onboarding or the nightly run finds RequireMFA not canonical', () => {
    const topic = cfn(built.stack, built.stack.topic.topicArn);
    for (const [service, period] of [
      [FUNCTIONS.onboarding.serviceName, 300],
      [FUNCTIONS.nightly.serviceName, 86_400],
    ] as const) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AwssecIamMfa',
        MetricName: 'RequireMfaPolicyUntrusted',
        Dimensions: [{ Name: 'service', Value: service }],
        Statistic: 'Maximum',
        Period: period,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topic],
      });
    }
  });

  it("lets this account's CloudWatch alarms publish, and use the key", () => {
    built.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    built.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('subscribes the security addresses by email, none by default', () => {
    built.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withMail = buildStack({ securityEmails: 'a@example.com, b@example.com' });
    withMail.template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const address of ['a@example.com', 'b@example.com']) {
      withMail.template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: address,
        TopicArn: cfn(withMail.stack, withMail.stack.topic.topicArn),
      });
    }
  });
});

describe('the report bucket', () => {
  it('is encrypted, versioned, private, TLS-only and kept when the stack goes', () => {
    built.template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 365 }, Status: 'Enabled' }),
          ]),
        },
      }),
      DeletionPolicy: 'Retain',
    });
    built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('the alert table', () => {
  it('is keyed on the contract key, expires claims by TTL, on demand, with point-in-time recovery', () => {
    built.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'alertKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'alertKey', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('the dashboard and outputs', () => {
  it('graphs every metric the nightly run publishes, under its service dimension', () => {
    const [dashboard] = Object.values(built.template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(built.stack.resolve(dashboard?.Properties.DashboardBody));
    for (const name of METRICS.names) {
      expect(body).toContain(
        `[\\"${METRICS.namespace}\\",\\"${name}\\",\\"service\\",\\"${FUNCTIONS.nightly.serviceName}\\"`,
      );
    }
    expect(body).toContain('AWS/Lambda');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
  });

  it("graphs each other region's forwarding dead-letter queue, in that region; none with us-east-1 alone", () => {
    const bodyOf = (stack: Built) =>
      JSON.stringify(
        stack.stack.resolve(
          Object.values(stack.template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties
            .DashboardBody,
        ),
      );
    const body = bodyOf(built);
    const forwarded = DEFAULT_REGIONS.filter((region) => region !== 'us-east-1');
    expect(forwarded).toHaveLength(16);
    for (const region of forwarded) {
      expect(body).toContain(
        `[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"awssec-iam-mfa-forwarding-dlq\\",{\\"label\\":\\"${region}\\",\\"region\\":\\"${region}\\",\\"stat\\":\\"Maximum\\"}]`,
      );
    }
    expect(body).not.toContain('\\"region\\":\\"us-east-1\\"');
    expect(bodyOf(buildStack({ regions: 'us-east-1' }))).not.toContain('awssec-iam-mfa-forwarding-dlq');
  });

  it('outputs the topic ARN, the bucket name and the dashboard name', () => {
    built.template.hasOutput('SecurityTopicArn', { Value: cfn(built.stack, built.stack.topic.topicArn) });
    built.template.hasOutput('ReportBucketName', {
      Value: cfn(built.stack, built.stack.reportBucket.bucketName),
    });
    built.template.hasOutput('DashboardName', {
      Value: cfn(built.stack, built.stack.dashboard.dashboardName),
    });
  });
});

describe('the region', () => {
  it('refuses any region but us-east-1, where IAM events reach EventBridge', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () => new AwssecIamMfaStack(app, 'Elsewhere', { config: DEFAULT_CONFIG, env: { region: 'eu-west-1' } }),
    ).toThrow('deploy it to us-east-1');
  });
});
