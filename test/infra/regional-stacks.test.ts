/**
 * The forwarding stack of each region but us-east-1: what it matches (the
 * alert rules' own patterns), where it sends it (the regions bus in
 * us-east-1, through a role that may do only that), where failures go, and
 * that it holds nothing a bootstrap in its region would be needed for.
 */
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, DEFAULT_REGIONS } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';
import { RegionalForwardingStack } from '../../lib/regional-forwarding-stack.ts';
import { ALERT_PATTERNS, buildStack, CDK_JSON_CONTEXT } from './support.ts';

const FORWARDED = DEFAULT_REGIONS.filter((region) => region !== 'us-east-1');
const BUS_ARN = {
  'Fn::Join': [
    '',
    ['arn:aws:events:us-east-1:', { Ref: 'AWS::AccountId' }, ':event-bus/awssec-iam-mfa-regions'],
  ],
};
const built = buildStack();

describe('the regional forwarding stacks', () => {
  it('are one for each region enabled by default but us-east-1, named after it, deployed after the main stack', () => {
    expect([...built.regional.keys()]).toEqual(FORWARDED);
    expect(built.regional.has('us-east-1')).toBe(false);
    for (const [region, { stack }] of built.regional) {
      expect(stack.stackName).toBe(`AwssecIamMfaRegion-${region}`);
      expect(stack.region).toBe(region);
      expect(stack.dependencies).toEqual([built.stack]);
    }
  });

  it('are exactly those of a regions list, us-east-1 being the main stack', () => {
    const custom = buildStack({ regions: 'eu-west-1, us-east-1, ap-southeast-2' });
    expect([...custom.regional.keys()]).toEqual(['eu-west-1', 'ap-southeast-2']);
    expect(
      custom.app.node.children
        .filter((child) => Stack.isStack(child))
        .map((child) => child.node.id)
        .sort(),
    ).toEqual(['AwssecIamMfa', 'AwssecIamMfaRegion-ap-southeast-2', 'AwssecIamMfaRegion-eu-west-1']);
    const withoutUsEast1 = buildStack({ regions: 'eu-central-1' });
    expect([...withoutUsEast1.regional.keys()]).toEqual(['eu-central-1']);
    expect(withoutUsEast1.stack.regionsBus).toBeDefined();
  });

  it.each(FORWARDED)('%s: forwards the alert events, each rule with the exact pattern', (region) => {
    const { template } = built.regional.get(region) ?? {};
    expect(template).toBeDefined();
    const rules = template?.findResources('AWS::Events::Rule') ?? {};
    expect(Object.keys(rules)).toHaveLength(5);
    for (const [id, pattern] of Object.entries(ALERT_PATTERNS)) {
      template?.hasResourceProperties('AWS::Events::Rule', {
        Description: Match.stringLikeRegexp('; forwarded to awssec-iam-mfa-regions in us-east-1$'),
        EventBusName: Match.absent(),
        EventPattern: Match.exact(pattern),
      });
      expect(Object.keys(rules).some((logicalId) => logicalId.startsWith(id))).toBe(true);
    }
  });

  it.each(FORWARDED)(
    '%s: sends to the regions bus in us-east-1 with its own role, undeliverable events to its dead-letter queue',
    (region) => {
      const { stack, template } = built.regional.get(region) ?? {};
      if (stack === undefined || template === undefined) throw new Error(`no stack for ${region}`);
      const role = { 'Fn::GetAtt': [stack.getLogicalId(stack.role.node.defaultChild as never), 'Arn'] };
      const queue = {
        'Fn::GetAtt': [stack.getLogicalId(stack.deadLetterQueue.node.defaultChild as never), 'Arn'],
      };
      for (const rule of Object.values(template.findResources('AWS::Events::Rule'))) {
        expect(rule.Properties.Targets).toEqual([
          { Id: 'Target0', Arn: BUS_ARN, RoleArn: role, DeadLetterConfig: { Arn: queue } },
        ]);
      }
    },
  );

  it.each(FORWARDED)('%s: the role may put events on that bus and nothing else', (region) => {
    const { template } = built.regional.get(region) ?? {};
    template?.resourceCountIs('AWS::IAM::Role', 1);
    template?.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } },
        ],
      },
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
    });
    template?.resourceCountIs('AWS::IAM::Policy', 1);
    template?.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: BUS_ARN }],
      },
    });
  });

  it.each(FORWARDED)(
    '%s: the dead-letter queue is encrypted, TLS-only, keeps messages 14 days, and takes them from its rules only',
    (region) => {
      const { stack, template } = built.regional.get(region) ?? {};
      if (stack === undefined || template === undefined) throw new Error(`no stack for ${region}`);
      template.resourceCountIs('AWS::SQS::Queue', 1);
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'awssec-iam-mfa-forwarding-dlq',
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      const [policy] = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
      const [tls, ...senders] = policy?.Properties.PolicyDocument.Statement ?? [];
      expect(tls).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
      expect(senders.map((statement: { Condition: unknown }) => statement.Condition)).toEqual(
        stack.rules.map((rule) => ({
          ArnEquals: {
            'aws:SourceArn': { 'Fn::GetAtt': [stack.getLogicalId(rule.node.defaultChild as never), 'Arn'] },
          },
        })),
      );
      for (const statement of senders) {
        expect(statement).toMatchObject({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
        });
      }
    },
  );

  it.each(FORWARDED)('%s: holds only the rules, the role and the queue', (region) => {
    const { template } = built.regional.get(region) ?? {};
    const types = Object.values(template?.toJSON().Resources ?? {}).map(
      (resource) => (resource as { Type: string }).Type,
    );
    expect(types.sort()).toEqual([
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::Events::Rule',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
  });
});

describe('no bootstrap in the other regions', () => {
  const assembly = built.app.synth();

  it.each(FORWARDED)(
    '%s: no asset, no bootstrap version to check, deployed through the us-east-1 bootstrap roles, the template inline',
    (region) => {
      const artifact = assembly.getStackArtifact(`AwssecIamMfaRegion-${region}`);
      expect(artifact.assets).toEqual([]);
      expect(artifact.dependencies.map((dependency) => dependency.id)).toEqual(['AwssecIamMfa']);
      expect(artifact.requiresBootstrapStackVersion).toBeUndefined();
      // The CLI fills in the placeholders: the roles of `cdk bootstrap aws://ACCOUNT/us-east-1`.
      expect(artifact.assumeRoleArn).toMatch(
        /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/cdk-hnb659fds-deploy-role-\$\{AWS::AccountId\}-us-east-1$/,
      );
      expect(artifact.cloudFormationExecutionRoleArn).toMatch(
        /^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/cdk-hnb659fds-cfn-exec-role-\$\{AWS::AccountId\}-us-east-1$/,
      );
      // Above 51,200 bytes CloudFormation takes a template only from S3, that is from a bootstrap bucket.
      expect(JSON.stringify(artifact.template).length).toBeLessThan(51_200);
    },
  );

  it('has no asset manifest but the main stack’s', () => {
    const manifests = assembly.artifacts.filter((artifact) => artifact.id.endsWith('.assets'));
    expect(manifests.map((artifact) => artifact.id)).toEqual(['AwssecIamMfa.assets']);
  });

  it('refuses an asset added to a regional stack', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new RegionalForwardingStack(app, 'AwssecIamMfaRegion-eu-west-1', {
      env: { region: 'eu-west-1' },
    });
    expect(() => new Asset(stack, 'Sneaked', { path: path.join(PROJECT_ROOT, 'lambdas/alerts') })).toThrow(
      'Cannot add assets to a Stack that uses the BootstraplessSynthesizer',
    );
  });

  it('refuses us-east-1, and a stack without a region', () => {
    const app = new App();
    expect(() => new RegionalForwardingStack(app, 'Here', { env: { region: 'us-east-1' } })).toThrow(
      'give it a region other than us-east-1',
    );
    expect(() => new RegionalForwardingStack(app, 'Nowhere', {})).toThrow(
      'give it a region other than us-east-1',
    );
    expect(DEFAULT_CONFIG.regions).toContain('us-east-1');
  });
});
