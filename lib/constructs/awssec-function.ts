/**
 * One of the project's Lambda functions, set up the same way for all three:
 * Node.js 22 on arm64, built by the project's esbuild as one ESM file
 * (lib/lambda-bundle.ts; the AWS SDK v3 comes from the runtime), an explicit log group with
 * retention, its own role with no managed policy, Powertools settings, and
 * the failure paths watched: Lambda's async retries end in a dead-letter
 * queue, every EventBridge trigger has its own, and an alarm on errors and on
 * each queue notifies the security topic.
 */

import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type EventPattern, type IEventBus, Rule, type Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunctionResource, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS, type MetricName } from '../../lambdas/function-contract.ts';
import type { RolePermission } from '../function-permissions.ts';
import { buildLambda, LAMBDA_BUNDLE_FILE, type LambdaBundle } from '../lambda-bundle.ts';
import { acknowledge, checkedStatements } from '../nag.ts';

/** The repository root: the handlers' entry paths in the contract are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Variables the construct sets itself; the function's own environment may not override them. */
const RESERVED_VARIABLES = ['POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'];

export interface AwssecFunctionProps {
  /** The handler module, relative to the project root (`FUNCTIONS.<name>.entry` in the contract). */
  readonly entry: string;
  /** POWERTOOLS_SERVICE_NAME, which is also the `service` dimension of its metrics. */
  readonly serviceName: string;
  readonly description: string;
  /** Where the alarms notify. */
  readonly alarmTopic: ITopic;
  /**
   * The function's own settings (the contract's FUNCTION_ENV), beside the
   * Powertools and Node variables the construct sets.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /**
   * Times Lambda retries a failed asynchronous invocation (0 to 2) before the
   * event goes to the function's dead-letter queue.
   * @default 2
   */
  readonly retryAttempts?: number;
  /** @default PROJECT_ROOT */
  readonly projectRoot?: string;
  /**
   * The execution role's name, for a role other accounts' roles name in their
   * trust (organization mode). @default - a name CloudFormation makes up
   */
  readonly roleName?: string;
}

/** What starts the function: an event pattern or a schedule, one of the two. */
export interface AwssecTriggerProps {
  readonly description: string;
  /** @default - none; give this or `schedule` */
  readonly eventPattern?: EventPattern;
  /** @default - none; give this or `eventPattern` */
  readonly schedule?: Schedule;
  /** The bus the rule watches (an event pattern's only). @default - the account's default bus */
  readonly eventBus?: IEventBus;
  /**
   * Times EventBridge retries delivering an event to the function before it
   * goes to the trigger's dead-letter queue.
   * @default 4
   */
  readonly retryAttempts?: number;
  /** @default Duration.hours(6) */
  readonly maxEventAge?: Duration;
}

export class AwssecFunction extends Construct {
  readonly function: LambdaFunctionResource;
  /** The built code, when this synth builds it (stacks the synth skips get a placeholder asset). */
  readonly bundle: LambdaBundle | undefined;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Asynchronous invocations that failed after Lambda's retries. */
  readonly failureQueue: Queue;
  /** Every dead-letter queue of this function: its failure queue, then one per trigger. */
  readonly deadLetterQueues: Queue[] = [];
  readonly rules: Rule[] = [];
  readonly alarms: Alarm[] = [];
  readonly serviceName: string;
  private readonly alarmTopic: ITopic;

  constructor(scope: Construct, id: string, props: AwssecFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 512;
    const timeout = props.timeout ?? Duration.minutes(1);
    const retryAttempts = props.retryAttempts ?? 2;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(
        `${this.node.path}: memorySize ${memorySize} is not a whole number of MB from 128 to 10240`,
      );
    }
    if (timeout.toSeconds() < 1 || timeout.toSeconds() > 900) {
      throw new Error(
        `${this.node.path}: timeout ${timeout.toHumanString()} is not between 1 second and 15 minutes`,
      );
    }
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 2) {
      throw new Error(`${this.node.path}: retryAttempts ${retryAttempts} is not 0, 1 or 2`);
    }
    const reserved = Object.keys(props.environment ?? {}).filter((name) => RESERVED_VARIABLES.includes(name));
    if (reserved.length > 0) {
      throw new Error(
        `${this.node.path}: environment may not set ${reserved.join(', ')}; the construct sets it`,
      );
    }
    const projectRoot = props.projectRoot ?? PROJECT_ROOT;
    this.serviceName = props.serviceName;
    this.alarmTopic = props.alarmTopic;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Its own role: no AWSLambdaBasicExecutionRole (logs:* on every group); only this log group.
    this.role = new Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName}: the function's execution role`,
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.failureQueue = this.deadLetterQueue('FailureQueue');

    // Built here, quietly, unless this synth skips bundling (the tests' `aws:cdk:bundling-stacks: []`):
    // then the handler's source directory stands in as the asset.
    const entry = path.join(projectRoot, props.entry);
    this.bundle = Stack.of(this).bundlingRequired ? buildLambda(entry) : undefined;
    this.function = new LambdaFunctionResource(this, 'Function', {
      code: Code.fromAsset(this.bundle?.directory ?? path.dirname(entry)),
      handler: `${path.basename(LAMBDA_BUNDLE_FILE, '.mjs')}.handler`,
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: this.failureQueue,
      retryAttempts,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS.namespace,
      },
    });
    // The asset was copied into the cloud assembly when the function took it (unless staging is off).
    if (this.bundle !== undefined && !this.node.tryGetContext('aws:cdk:disable-asset-staging')) {
      rmSync(this.bundle.directory, { recursive: true, force: true });
    }
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      'Node.js 22 is chosen on purpose: the bundle targets node22 and the handlers are tested on it; a newer runtime is a reviewed change, not a silent one',
    );

    this.alarm(
      'ErrorsAlarm',
      this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      `${props.serviceName} failed at least once in 5 minutes: see its log group ${this.logGroup.logGroupName}`,
    );
    this.alarm(
      'FailureQueueAlarm',
      this.failureQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      `${props.serviceName}: an event failed after Lambda's retries and waits in its dead-letter queue`,
    );
  }

  /**
   * Grants the statements to the function's role. A statement may not use a
   * wildcard action; a wildcard in a resource needs a reason, recorded as the
   * cdk-nag acknowledgment of exactly that finding.
   */
  grant(...permissions: readonly RolePermission[]): void {
    for (const statement of checkedStatements(this, this.role, permissions)) {
      this.role.addToPrincipalPolicy(statement);
    }
  }

  /** An EventBridge rule that invokes the function, with its own dead-letter queue and an alarm on it. */
  addTrigger(id: string, props: AwssecTriggerProps): Rule {
    if ((props.eventPattern === undefined) === (props.schedule === undefined)) {
      throw new Error(`${this.node.path}/${id}: give an eventPattern or a schedule, one of the two`);
    }
    const deadLetterQueue = this.deadLetterQueue(`${id}DeadLetterQueue`);
    acknowledge(
      deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the EventBridge target of the rule sends undeliverable events to it (cdk-nag recognizes only DLQs named in a queue RedrivePolicy or a Lambda DeadLetterConfig)',
    );
    const rule = new Rule(this, id, {
      description: props.description,
      ...(props.eventPattern === undefined ? {} : { eventPattern: props.eventPattern }),
      ...(props.schedule === undefined ? {} : { schedule: props.schedule }),
      ...(props.eventBus === undefined ? {} : { eventBus: props.eventBus }),
    });
    rule.addTarget(
      new LambdaFunction(this.function, {
        deadLetterQueue,
        retryAttempts: props.retryAttempts ?? 4,
        maxEventAge: props.maxEventAge ?? Duration.hours(6),
      }),
    );
    this.alarm(
      `${id}DeadLetterQueueAlarm`,
      deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      `${this.serviceName}: EventBridge could not deliver an event of rule ${id} to the function; it waits in the rule's dead-letter queue`,
    );
    this.rules.push(rule);
    return rule;
  }

  /**
   * An alarm when one of the metrics the function publishes (under its own
   * `service` dimension) reaches 1 in the period.
   */
  alarmOnMetric(metricName: MetricName, description: string, period: Duration): Alarm {
    return this.alarm(
      `${metricName}Alarm`,
      new Metric({
        namespace: METRICS.namespace,
        metricName,
        dimensionsMap: { service: this.serviceName },
        statistic: 'Maximum',
        period,
      }),
      `${this.serviceName}: ${description}`,
    );
  }

  private deadLetterQueue(id: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.deadLetterQueues.push(queue);
    return queue;
  }

  private alarm(id: string, metric: IMetric, description: string): Alarm {
    const alarm = alarmOn(this, id, metric, description, this.alarmTopic);
    this.alarms.push(alarm);
    return alarm;
  }
}

/** An alarm, told to the topic, when the metric reaches 1 in a period; no data is no alarm. */
export function alarmOn(
  scope: Construct,
  id: string,
  metric: IMetric,
  description: string,
  topic: ITopic,
): Alarm {
  const alarm = new Alarm(scope, id, {
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: description,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
}
