/**
 * The one test that really bundles: the app synthesized with esbuild into a
 * temporary directory (the same bundling `cdk synth` runs), then each
 * function's bundle checked for size and loaded by Node the way Lambda loads
 * it, as an ES module whose `handler` export is a function. One synth for
 * all three, since CI has two cores.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_ENV, FUNCTIONS } from '../../lambdas/function-contract.ts';
import { AwssecIamMfaStack } from '../../lib/awssec-iam-mfa-stack.ts';
import { readConfig } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';
import { CDK_JSON_CONTEXT } from './support.ts';

const MAX_BUNDLE_BYTES = 250 * 1024;
const outdir = mkdtempSync(path.join(tmpdir(), 'awssec-cdk-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the bundles', () => {
  it('bundles each function as a small ES module that Node can load', () => {
    const app = new App({
      outdir,
      context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true },
    });
    const stack = new AwssecIamMfaStack(app, 'AwssecIamMfa', {
      config: readConfig((key) => app.node.tryGetContext(key)),
      env: { region: 'us-east-1' },
    });
    const started = Date.now();
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    // The bundles import @aws-sdk/* from the runtime; here, from the project's node_modules.
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');

    const sizes: Record<string, number> = {};
    for (const name of Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[]) {
      const logicalId = stack.getLogicalId(stack.functions[name].function.node.defaultChild as never);
      const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
      expect(assetPath, `${name} has no asset`).toBeDefined();
      const bundle = path.join(outdir, assetPath ?? '', 'index.mjs');
      expect(existsSync(bundle), `${bundle} exists`).toBe(true);
      expect(existsSync(`${bundle}.map`), `${bundle}.map exists`).toBe(true);
      sizes[name] = statSync(bundle).size;
      expect(sizes[name], `${name} bundle size`).toBeLessThan(MAX_BUNDLE_BYTES);

      // Loading runs the module's top level (settings from the environment, clients): no AWS call.
      const env = Object.fromEntries(FUNCTION_ENV[name].map((variable) => [variable, 'x']));
      Object.assign(env, { MODE: 'report', APPLY: 'false', DISABLE_CONSOLE_ACCESS: 'false' });
      Object.assign(env, { GRACE_PERIOD_DAYS: '7', WARNING_DAYS: '3', MAX_USERS: '10', MAX_PERCENT: '50' });
      Object.assign(env, {
        ALERT_WINDOW_MINUTES: '60',
        EXCLUDE_USERS: '',
        BREAK_GLASS: '',
        SENDER_EMAIL: '',
        ACCOUNT_ID: '123456789012',
      });
      const loaded = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...env,
          },
          encoding: 'utf8',
        },
      );
      expect(loaded.trim(), `${name} exports a handler`).toBe('function');
    }
    console.info(`synth with bundling: ${Date.now() - started} ms; bundle bytes: ${JSON.stringify(sizes)}`);
  }, 120_000);
});
