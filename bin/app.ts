/**
 * The CDK app: reads the deployment config from context (cdk.json or -c),
 * builds the stack in us-east-1 and one that forwards sign-ins from each
 * other configured region (in organization mode the main stack also builds
 * the member stack, in an app of its own, for its StackSet), and runs the
 * cdk-nag AwsSolutions checks on both apps, which fail synth on any finding
 * that is not acknowledged with a reason.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addAwssecStacks } from '../lib/awssec-app.ts';
import { type AwssecConfig, ConfigError, checkContextKeys, readConfig } from '../lib/config.ts';

const app = new App();
// The same checks for the member stack, which organization mode synthesizes in an app of its own.
const addNagChecks = (scope: App) => Validations.of(scope).addPlugins(new AwsSolutionsChecks(scope));

try {
  checkContextKeys(Object.keys(app.node.getAllContext()));
  const config: AwssecConfig = readConfig((key) => app.node.tryGetContext(key));
  addAwssecStacks(app, config, process.env.CDK_DEFAULT_ACCOUNT, { prepareMemberApp: addNagChecks });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // One line naming the key, not a stack trace.
  process.stderr.write(`awssec iam-mfa: ${error.message}\n`);
  process.exit(1);
}

addNagChecks(app);
