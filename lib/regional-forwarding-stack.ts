/**
 * A region's part of awssec iam-mfa: rules on that region's default bus that
 * forward the events the alerts function handles to the regions bus in
 * us-east-1, where the functions live. CloudTrail records a console sign-in
 * in the region of the sign-in endpoint, and EventBridge rules see only their
 * own region's events. The stack holds no asset, so it needs no bootstrap in
 * its region: it deploys through the roles `cdk bootstrap` made in us-east-1
 * (IAM is global), and its template goes to CloudFormation inline.
 */
import {
  BootstraplessSynthesizer,
  DefaultStackSynthesizer,
  Duration,
  Stack,
  type StackProps,
  Token,
} from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { EventBus as EventBusTarget } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { IAM_EVENTS_REGION } from '../lambdas/function-contract.ts';
import type { AwssecConfig } from './config.ts';
import { ALERT_RULES, type EventRule } from './event-patterns.ts';
import { acknowledge } from './nag.ts';

/**
 * The bus in us-east-1 that the regional stacks forward to, named so that
 * they can build its ARN: a stack in another region cannot take a token from
 * the main stack.
 */
export const REGIONS_BUS_NAME = 'awssec-iam-mfa-regions';

/**
 * The regions bus's ARN, from its name: the same in every stack. In the
 * stack's account, or in the central one a member account forwards to.
 */
export function regionsBusArn(stack: Stack, account?: string): string {
  return stack.formatArn({
    service: 'events',
    region: IAM_EVENTS_REGION,
    ...(account === undefined ? {} : { account }),
    resource: 'event-bus',
    resourceName: REGIONS_BUS_NAME,
  });
}

/** Each regional stack's dead-letter queue, named so that the main stack's dashboard can graph it. */
export const FORWARDING_DLQ_NAME = 'awssec-iam-mfa-forwarding-dlq';

/** The regions that get a forwarding stack: the configured ones but us-east-1, which the main stack covers. */
export function forwardedRegions(config: AwssecConfig): readonly string[] {
  return config.regions.filter((region) => region !== IAM_EVENTS_REGION);
}

/** `AwssecIamMfaRegion-eu-west-1` */
export function regionalStackName(region: string): string {
  return `AwssecIamMfaRegion-${region}`;
}

/** One of the CDK's bootstrap role ARN templates, for the roles `cdk bootstrap` made in us-east-1. */
function bootstrapRoleArnInIamEventsRegion(template: string): string {
  return template.replace(/\$\{AWS::Region\}/, IAM_EVENTS_REGION);
}

/** Rules that forward to a bus elsewhere, the role they put events with, and where failures go. */
export interface Forwarding {
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[];
}

/**
 * The given rules on the stack's default bus, each forwarding what it
 * matches to the bus `busArn` (another region's or account's) through one
 * role that may only put events there, with what EventBridge could not
 * deliver after its retries kept 14 days in the queue `queueName`.
 */
export function addForwarding(
  stack: Stack,
  props: {
    readonly busId: string;
    readonly busArn: string;
    /** Whose rules, in the role's description: `this region's`. */
    readonly sender: string;
    /** Where to, in the descriptions: `awssec-iam-mfa-regions in us-east-1`. */
    readonly destination: string;
    readonly queueName: string;
    readonly rules: readonly EventRule[];
  },
): Forwarding {
  const bus = EventBus.fromEventBusArn(stack, props.busId, props.busArn);
  const role = new Role(stack, 'ForwardingRole', {
    assumedBy: new ServicePrincipal('events.amazonaws.com'),
    description: `awssec iam-mfa: lets ${props.sender} rules put events on ${props.destination}`,
  });
  const deadLetterQueue = new Queue(stack, 'ForwardingDeadLetterQueue', {
    queueName: props.queueName,
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledge(
    deadLetterQueue,
    'AwsSolutions-SQS3',
    `This queue is itself a dead-letter queue: the rules send the events EventBridge could not deliver to ${props.destination} to it (cdk-nag recognizes only DLQs named in a queue RedrivePolicy or a Lambda DeadLetterConfig)`,
  );
  const rules = props.rules.map((rule) => {
    const forwarding = new Rule(stack, rule.id, {
      description: `${rule.description}; forwarded to ${props.destination}`,
      eventPattern: rule.eventPattern,
    });
    forwarding.addTarget(new EventBusTarget(bus, { role, deadLetterQueue }));
    return forwarding;
  });
  return { role, deadLetterQueue, rules };
}

export class RegionalForwardingStack extends Stack {
  /** The us-east-1 bus the rules forward to. */
  readonly regionsBusArn: string;
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly rules: Rule[];

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, {
      description: `awssec iam-mfa: forwards this region's console sign-ins to ${IAM_EVENTS_REGION}, where the alerts are raised`,
      ...props,
      // No asset, so no bootstrap stack in this region (an asset added by mistake fails synth), and
      // us-east-1's deploy roles: left out, they would be this region's, which nobody bootstrapped.
      synthesizer: new BootstraplessSynthesizer({
        deployRoleArn: bootstrapRoleArnInIamEventsRegion(DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN),
        cloudFormationExecutionRoleArn: bootstrapRoleArnInIamEventsRegion(
          DefaultStackSynthesizer.DEFAULT_CLOUDFORMATION_ROLE_ARN,
        ),
      }),
    });
    if (this.region === IAM_EVENTS_REGION || Token.isUnresolved(this.region)) {
      throw new Error(
        `stack ${id} is for region ${this.region}: give it a region other than ${IAM_EVENTS_REGION}, whose events the main stack handles`,
      );
    }

    this.regionsBusArn = regionsBusArn(this);
    // The same patterns as the alerts function's own rules: IAM's events reach EventBridge in
    // us-east-1 only, so the IAM rules here match nothing today, and a rule that matches nothing costs nothing.
    ({
      role: this.role,
      deadLetterQueue: this.deadLetterQueue,
      rules: this.rules,
    } = addForwarding(this, {
      busId: 'RegionsBus',
      busArn: this.regionsBusArn,
      sender: "this region's",
      destination: `${REGIONS_BUS_NAME} in ${IAM_EVENTS_REGION}`,
      queueName: FORWARDING_DLQ_NAME,
      rules: ALERT_RULES,
    }));
  }
}
