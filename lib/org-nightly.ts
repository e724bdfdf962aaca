/**
 * Organization mode's nightly run: a Step Functions state machine, started
 * by the schedule, that lists the organization's accounts, runs the nightly
 * function once per account in a Map state (inline up to
 * INLINE_MAP_MAX_ACCOUNTS accounts, Distributed above), then one report and
 * one summary for the organization. AWS's engine fans the work out and keeps
 * each account's result; an account that fails is a result, not a failed run.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Alarm, IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  Choice,
  Condition,
  DefinitionBody,
  DistributedMap,
  type IChainable,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  ProcessorMode,
  ProcessorType,
  StateMachine,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { type AwssecFunction, alarmOn } from './constructs/awssec-function.ts';
import { acknowledge, flattenForNag, nagResource } from './nag.ts';

/**
 * Up to this many accounts, an inline Map: AWS runs at most 40 of its
 * iterations at once and keeps them in the execution's history (25,000
 * events). Above it, a Distributed Map, whose iterations are child
 * executions with histories of their own.
 */
export const INLINE_MAP_MAX_ACCOUNTS = 40;

export interface OrgNightlyProps {
  readonly schedule: string;
  /** The Map states' MaxConcurrency. */
  readonly accountConcurrency: number;
  readonly listAccounts: AwssecFunction;
  /** The nightly function, which runs one account a call. */
  readonly runAccount: AwssecFunction;
  readonly aggregate: AwssecFunction;
  readonly alarmTopic: ITopic;
  readonly logRetention: RetentionDays;
}

export class OrgNightly extends Construct {
  readonly stateMachine: StateMachine;
  readonly scheduleRule: Rule;
  /** The schedule's: starts EventBridge could not make wait here. */
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OrgNightlyProps) {
    super(scope, id);
    const listAccounts = new LambdaInvoke(this, 'ListAccounts', {
      lambdaFunction: props.listAccounts.function,
      payloadResponseOnly: true,
      comment: "The organization's ACTIVE accounts: { accounts: [{ accountId, name }], count }",
    });
    const inline = new MapState(this, 'RunEachAccount', {
      comment: `Up to ${INLINE_MAP_MAX_ACCOUNTS} accounts: one nightly run each, in this execution`,
      itemsPath: JsonPath.stringAt('$.accounts'),
      maxConcurrency: props.accountConcurrency,
      resultPath: '$.results',
    }).itemProcessor(this.runAccount('', props.runAccount));
    const distributed = new DistributedMap(this, 'RunEachAccountDistributed', {
      comment: `More than ${INLINE_MAP_MAX_ACCOUNTS} accounts: one nightly run each, as child executions`,
      itemsPath: JsonPath.stringAt('$.accounts'),
      maxConcurrency: props.accountConcurrency,
      resultPath: '$.results',
      // Any account's failure is already a result (the Catch): none may fail the Map.
      toleratedFailurePercentage: 100,
    }).itemProcessor(this.runAccount('Distributed', props.runAccount), {
      mode: ProcessorMode.DISTRIBUTED,
      // Standard, not Express: one account's run may take up to the function's 15 minutes.
      executionType: ProcessorType.STANDARD,
    });
    const report = new LambdaInvoke(this, 'ReportOrganization', {
      lambdaFunction: props.aggregate.function,
      payload: TaskInput.fromObject({ results: JsonPath.listAt('$.results') }),
      payloadResponseOnly: true,
      comment: "The organization's report (JSON and CSV), one summary, the metrics",
    });
    const definition = listAccounts.next(
      new Choice(this, 'FewOrManyAccounts')
        .when(Condition.numberLessThanEquals('$.count', INLINE_MAP_MAX_ACCOUNTS), inline.next(report))
        .otherwise(distributed.next(report)),
    );

    const logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: "awssec iam-mfa: the organization's nightly MFA run, one account at a time per Map iteration",
      definitionBody: DefinitionBody.fromChainable(definition),
      // Lists, every account's run (each within its function's 15 minutes), the report.
      timeout: Duration.hours(12),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
    this.acknowledgeStateMachineRole(props);

    this.deadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the schedule rule sends the starts it could not make to it (cdk-nag recognizes only DLQs named in a queue RedrivePolicy or a Lambda DeadLetterConfig)',
    );
    this.scheduleRule = new Rule(this, 'ScheduleRule', {
      description: `awssec iam-mfa: the organization's nightly MFA run, ${props.schedule} (UTC)`,
      schedule: Schedule.expression(props.schedule),
    });
    this.scheduleRule.addTarget(
      new SfnStateMachine(this.stateMachine, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 4,
        // A run that EventBridge could not start within the hour is better left to the next night.
        maxEventAge: Duration.hours(1),
      }),
    );

    this.alarm(
      'ExecutionsFailedAlarm',
      this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      "the organization's nightly run failed (the accounts could not be listed, or the report not written): see the state machine's execution",
      props.alarmTopic,
    );
    this.alarm(
      'ExecutionsTimedOutAlarm',
      this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      "the organization's nightly run did not finish within 12 hours: see the state machine's execution",
      props.alarmTopic,
    );
    this.alarm(
      'ScheduleDeadLetterQueueAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      "EventBridge could not start the organization's nightly run; the start waits in the schedule's dead-letter queue",
      props.alarmTopic,
    );
  }

  /**
   * One account: the nightly function, retried on Lambda's own transient
   * errors; whatever still fails becomes that account's `not-assessed`
   * result (the error's name; its cause is in the execution's history).
   * States are made once per Map, as a state belongs to one graph.
   */
  private runAccount(suffix: string, fn: AwssecFunction): IChainable {
    const notAssessed = new Pass(this, `AccountNotAssessed${suffix}`, {
      comment: 'The same shape as the function gives for an account it could not run',
      parameters: {
        'account_id.$': '$.accountId',
        'account_name.$': '$.name',
        status: 'not-assessed',
        'reason.$': "States.Format('the nightly function failed for the account ({})', $.error.Error)",
      },
    });
    return new LambdaInvoke(this, `RunAccount${suffix}`, {
      lambdaFunction: fn.function,
      payloadResponseOnly: true,
      comment: "One account's nightly run: its report in the bucket, a small result here",
    }).addCatch(notAssessed, { errors: ['States.ALL'], resultPath: '$.error' });
  }

  /** The findings cdk-nag makes of the role CDK writes for the state machine, each acknowledged by name. */
  private acknowledgeStateMachineRole(props: OrgNightlyProps): void {
    const role = this.stateMachine.role;
    for (const fn of [props.listAccounts, props.runAccount, props.aggregate]) {
      acknowledge(
        role,
        `AwsSolutions-IAM5[Resource::${nagResource(role, fn.function.functionArn)}:*]`,
        `${fn.serviceName}'s versions and aliases (ARN:*): CDK grants lambda:InvokeFunction on the function and its qualifiers; the state machine invokes only this function`,
      );
    }
    // The Distributed Map's child executions (states:DescribeExecution, StopExecution, RedriveExecution),
    // named after the state machine's own: the findings name them as the Map's policy reads them.
    const policy = this.stateMachine.node.tryFindChild('DistributedMapPolicy') as Policy | undefined;
    const resolved = Stack.of(this).resolve(policy?.document.toJSON()) as
      | { Statement?: { Resource?: unknown }[] }
      | undefined;
    for (const resource of (resolved?.Statement ?? []).flatMap((statement) =>
      [statement.Resource ?? []].flat(),
    )) {
      const flat = flattenForNag(resource);
      if (!flat.includes(':execution:')) continue;
      acknowledge(
        this.stateMachine,
        `AwsSolutions-IAM5[Resource::${flat}]`,
        "The Distributed Map's child executions of this state machine (execution:NAME:* and NAME/*:*): Step Functions names them at run time; CDK grants the Map their Describe, Stop and Redrive only",
      );
    }
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      "Resource * only for X-Ray's PutTraceSegments and PutTelemetryRecords and CloudWatch Logs' log-delivery actions (CreateLogDelivery, GetLogDelivery, …), which support no resource-level permission; CDK writes them for tracing and logging",
    );
  }

  private alarm(id: string, metric: IMetric, description: string, topic: ITopic): void {
    this.alarms.push(alarmOn(this, id, metric, description, topic));
  }
}
