/**
 * The app's stacks, as bin/app.ts builds them (and the tests, the same way):
 * the main stack in us-east-1, and a forwarding stack for each other
 * configured region, which `cdk deploy --all` deploys after it. The member
 * stack of organization mode is not among them: the main stack's StackSet
 * deploys it.
 */
import type { App } from 'aws-cdk-lib';
import { IAM_EVENTS_REGION } from '../lambdas/function-contract.ts';
import { AwssecIamMfaStack } from './awssec-iam-mfa-stack.ts';
import type { AwssecConfig } from './config.ts';
import { forwardedRegions, RegionalForwardingStack, regionalStackName } from './regional-forwarding-stack.ts';

export interface AwssecStacks {
  readonly main: AwssecIamMfaStack;
  /** One per region of config.regions but us-east-1, in the list's order. */
  readonly regional: readonly RegionalForwardingStack[];
}

export function addAwssecStacks(
  app: App,
  config: AwssecConfig,
  account: string | undefined,
  options: { prepareMemberApp?: (app: App) => void } = {},
): AwssecStacks {
  const main = new AwssecIamMfaStack(app, 'AwssecIamMfa', {
    config,
    env: { account, region: IAM_EVENTS_REGION },
    ...options,
  });
  const regional = forwardedRegions(config).map((region) => {
    const stack = new RegionalForwardingStack(app, regionalStackName(region), { env: { account, region } });
    // Its rules target the main stack's regions bus, which must exist first.
    stack.addStackDependency(main);
    return stack;
  });
  return { main, regional };
}
