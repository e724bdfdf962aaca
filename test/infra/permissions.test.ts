import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, ENFORCE_PERMISSIONS } from '../../lambdas/core/permissions.ts';
import type { AwssecFunction } from '../../lib/constructs/awssec-function.ts';
import {
  allRoleStatements,
  type Built,
  buildStack,
  canonical,
  cfn,
  logicalIdOf,
  READ_ACCOUNT_REPORTS,
  roleStatements,
} from './support.ts';

// The ARNs the roles name, as the template has them (no account in the env: a token).
const ACCOUNT = { Ref: 'AWS::AccountId' };
const USERS = { 'Fn::Join': ['', ['arn:aws:iam::', ACCOUNT, ':user/*']] };
const REQUIRE_MFA = { 'Fn::Join': ['', ['arn:aws:iam::', ACCOUNT, ':policy/RequireMFA']] };
const SES_IDENTITIES = { 'Fn::Join': ['', ['arn:aws:ses:us-east-1:', ACCOUNT, ':identity/*']] };
const SENDER = 'security@example.com';

type FunctionName = 'onboarding' | 'nightly' | 'alerts';

function statementsOf(built: Built, name: FunctionName): unknown[] {
  return roleStatements(built, (stack) => logicalIdOf(stack, stack.functions[name].role));
}

/** What every role starts with: its own log group, and its dead-letter queue for failed async invocations. */
function baseStatements(built: Built, fn: AwssecFunction): unknown[] {
  return [
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: cfn(built.stack, fn.logGroup.logGroupArn),
    },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: cfn(built.stack, fn.failureQueue.queueArn) },
  ];
}

const attachRequireMfaOnly = {
  Sid: 'AttachRequireMfaOnly',
  Effect: 'Allow',
  Action: 'iam:AttachUserPolicy',
  Resource: USERS,
  Condition: { ArnEquals: { 'iam:PolicyARN': REQUIRE_MFA } },
};

const sendMailAsSender = {
  Sid: 'SendMailAsSender',
  Effect: 'Allow',
  Action: 'ses:SendEmail',
  Resource: SES_IDENTITIES,
  Condition: { StringEquals: { 'ses:FromAddress': SENDER } },
};

function publish(built: Built, sid: string): unknown[] {
  return [
    {
      Sid: sid,
      Effect: 'Allow',
      Action: 'sns:Publish',
      Resource: cfn(built.stack, built.stack.topic.topicArn),
    },
    {
      Sid: 'UseTopicKeyThroughSns',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: cfn(built.stack, built.stack.topicKey.keyArn),
      Condition: { StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } },
    },
  ];
}

/** The nightly role in report mode: the bulk report's reads, the report, the summary. */
function nightlyReportStatements(built: Built, userReads: string[] = [], applies = false): unknown[] {
  return [
    ...baseStatements(built, built.stack.functions.nightly),
    READ_ACCOUNT_REPORTS,
    {
      Sid: 'ReadUsers',
      Effect: 'Allow',
      Action: [
        'iam:ListMFADevices',
        'iam:GetUser',
        'iam:GetLoginProfile',
        'iam:ListAccessKeys',
        'iam:GetAccessKeyLastUsed',
        ...userReads,
      ],
      Resource: USERS,
    },
    // Every night checks that RequireMFA is the canonical document; with apply, enforcement may create it.
    applies
      ? {
          Sid: 'ReadOrCreateRequireMfaPolicy',
          Effect: 'Allow',
          Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:CreatePolicy'],
          Resource: REQUIRE_MFA,
        }
      : {
          Sid: 'ReadRequireMfaPolicy',
          Effect: 'Allow',
          Action: ['iam:GetPolicy', 'iam:GetPolicyVersion'],
          Resource: REQUIRE_MFA,
        },
    {
      Sid: 'WriteReports',
      Effect: 'Allow',
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [cfn(built.stack, built.stack.reportBucket.bucketArn), '/reports/*']] },
    },
    ...publish(built, 'PublishSummary'),
  ];
}

/** The records of users at IAM's tag quota, in the report bucket (warn and enforce modes). */
function keepRecords(built: Built): unknown[] {
  const bucket = cfn(built.stack, built.stack.reportBucket.bucketArn);
  return [
    {
      Sid: 'KeepRecordsOfUsersAtTagQuota',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: { 'Fn::Join': ['', [bucket, '/records/*']] },
    },
    { Sid: 'ListReportBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket },
  ];
}

/** TagUser, limited to the tags the run records: the warning, and with apply what enforcement did. */
function tagUsers(applies: boolean) {
  const enforcement = [
    'awssec:mfa-enforced-at',
    'awssec:mfa-disabled-keys',
    'awssec:mfa-console-removed',
    'awssec:mfa-policy-attached-at',
  ];
  return {
    Sid: 'TagUsers',
    Effect: 'Allow',
    Action: 'iam:TagUser',
    Resource: USERS,
    Condition: {
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['awssec:mfa-warned-at', ...(applies ? enforcement : [])],
      },
      Null: { 'aws:TagKeys': 'false' },
    },
  };
}

// The first build of the app (its seventeen stacks) is the slow one: in a hook, it has the hook's minute.
beforeAll(() => {
  buildStack();
});

describe('the onboarding role', () => {
  it('reads the new user, attaches RequireMFA only, reads or creates that policy, and mails as the sender', () => {
    const built = buildStack({ senderEmail: SENDER });
    expect(statementsOf(built, 'onboarding')).toEqual(
      canonical([
        ...baseStatements(built, built.stack.functions.onboarding),
        { Sid: 'ReadNewUser', Effect: 'Allow', Action: 'iam:GetUser', Resource: USERS },
        attachRequireMfaOnly,
        {
          Sid: 'ReadOrCreateRequireMfaPolicy',
          Effect: 'Allow',
          Action: ['iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:CreatePolicy'],
          Resource: REQUIRE_MFA,
        },
        sendMailAsSender,
      ]),
    );
  });

  it('gets no SES permission without a sender', () => {
    const built = buildStack();
    expect(JSON.stringify(statementsOf(built, 'onboarding'))).not.toContain('ses:');
  });

  it('attaches policies only under the iam:PolicyARN condition naming RequireMFA', () => {
    const { template } = buildStack();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iam:AttachUserPolicy',
            Condition: { ArnEquals: { 'iam:PolicyARN': REQUIRE_MFA } },
          }),
        ]),
      },
    });
  });
});

describe('the alerts role', () => {
  it("claims the alert in the table, reads users' MFA devices and publishes to the topic, nothing else", () => {
    const built = buildStack({ mode: 'enforce', apply: 'true', senderEmail: SENDER });
    expect(statementsOf(built, 'alerts')).toEqual(
      canonical([
        ...baseStatements(built, built.stack.functions.alerts),
        {
          Sid: 'ClaimAlert',
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: cfn(built.stack, built.stack.alertTable.tableArn),
        },
        { Sid: 'CountMfaDevices', Effect: 'Allow', Action: 'iam:ListMFADevices', Resource: USERS },
        ...publish(built, 'PublishAlert'),
      ]),
    );
  });
});

describe('the nightly role', () => {
  it('report mode: reads, the report and the summary; no write to IAM, no mail', () => {
    const built = buildStack({
      mode: 'report',
      apply: 'true',
      senderEmail: SENDER,
      disableConsoleAccess: 'true',
    });
    expect(statementsOf(built, 'nightly')).toEqual(canonical(nightlyReportStatements(built)));
  });

  it("with securityHub: reads the hub's findings and imports into the account's own default product only", () => {
    const built = buildStack({ mode: 'report', securityHub: 'true' });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built),
        {
          Sid: 'ReadOwnSecurityHubFindings',
          Effect: 'Allow',
          Action: 'securityhub:GetFindings',
          Resource: { 'Fn::Join': ['', ['arn:aws:securityhub:us-east-1:', ACCOUNT, ':hub/default']] },
        },
        {
          Sid: 'ImportSecurityHubFindings',
          Effect: 'Allow',
          Action: 'securityhub:BatchImportFindings',
          Resource: {
            'Fn::Join': ['', ['arn:aws:securityhub:us-east-1:', ACCOUNT, ':product/', ACCOUNT, '/default']],
          },
        },
      ]),
    );
    // And nothing of Security Hub without it (the report-mode test above checks the whole role).
    expect(
      JSON.stringify(
        statementsOf(buildStack({ mode: 'enforce', apply: 'true', senderEmail: SENDER }), 'nightly'),
      ),
    ).not.toContain('securityhub');
  });

  it('warn mode: adds tagging the warned users and mailing them', () => {
    const built = buildStack({ mode: 'warn', apply: 'true', senderEmail: SENDER });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built),
        tagUsers(false),
        sendMailAsSender,
        ...keepRecords(built),
      ]),
    );
  });

  it('warn mode: tags users and mails them, only as the sender', () => {
    const built = buildStack({ mode: 'warn', senderEmail: SENDER });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built),
        tagUsers(false),
        sendMailAsSender,
        ...keepRecords(built),
      ]),
    );
  });

  it('enforce mode as a dry run (apply false): only the reads the plan needs, no enforcement write', () => {
    const built = buildStack({ mode: 'enforce', apply: 'false', senderEmail: SENDER });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built, ['iam:ListAttachedUserPolicies']),
        tagUsers(false),
        sendMailAsSender,
        ...keepRecords(built),
      ]),
    );
  });

  it('enforce mode with apply: disables keys and attaches RequireMFA (under the condition), keeps console passwords', () => {
    const built = buildStack({ mode: 'enforce', apply: 'true', senderEmail: SENDER });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built, ['iam:ListAttachedUserPolicies'], true),
        tagUsers(true),
        sendMailAsSender,
        ...keepRecords(built),
        { Sid: 'EnforceOnUsers', Effect: 'Allow', Action: 'iam:UpdateAccessKey', Resource: USERS },
        attachRequireMfaOnly,
      ]),
    );
  });

  it('enforce mode with apply and disableConsoleAccess: also deletes login profiles', () => {
    const built = buildStack({
      mode: 'enforce',
      apply: true,
      disableConsoleAccess: true,
      senderEmail: SENDER,
    });
    expect(statementsOf(built, 'nightly')).toEqual(
      canonical([
        ...nightlyReportStatements(built, ['iam:ListAttachedUserPolicies'], true),
        tagUsers(true),
        sendMailAsSender,
        ...keepRecords(built),
        {
          Sid: 'EnforceOnUsers',
          Effect: 'Allow',
          Action: ['iam:UpdateAccessKey', 'iam:DeleteLoginProfile'],
          Resource: USERS,
        },
        attachRequireMfaOnly,
      ]),
    );
  });

  it('enforce with apply covers every action the CLI lists for enforcement (lambdas/core/permissions.ts)', () => {
    const built = buildStack({
      mode: 'enforce',
      apply: true,
      disableConsoleAccess: true,
      senderEmail: SENDER,
    });
    const granted = statementsOf(built, 'nightly').flatMap((statement) => {
      const action = (statement as { Action: string | string[] }).Action;
      return Array.isArray(action) ? action : [action];
    });
    expect(granted).toEqual(expect.arrayContaining(actionsOf(ENFORCE_PERMISSIONS)));
  });
});

describe('every role', () => {
  it.each([
    { mode: 'report' },
    { mode: 'warn', senderEmail: SENDER },
    { mode: 'enforce', apply: true, disableConsoleAccess: true, senderEmail: SENDER },
  ])('has no wildcard action, no iam:* and no managed policy (%o)', (context) => {
    const built = buildStack(context);
    const actions = allRoleStatements(built).flatMap(({ Action }) =>
      Array.isArray(Action) ? Action : [Action],
    );
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toBe('*');
      expect(action).not.toBe('iam:*');
      expect(action).not.toContain('*');
    }
    for (const role of Object.values(built.template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
    expect(Object.keys(built.template.findResources('AWS::IAM::Role'))).toHaveLength(3);
    expect(Object.keys(built.template.findResources('AWS::IAM::Policy'))).toHaveLength(3);
  });

  it('names the account as a literal when the stack has one', () => {
    const built = buildStack({}, { account: '123456789012' });
    built.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'ReadNewUser', Resource: 'arn:aws:iam::123456789012:user/*' }),
        ]),
      },
    });
  });
});
