/**
 * The one test that really builds the functions: the app synthesized with its
 * esbuild builds into a temporary directory (as `cdk synth` does), then each
 * function's asset checked — its size, that it holds no source map, which
 * `@aws-sdk/*` clients it imports — and loaded by Node the way Lambda loads
 * it, as an ES module whose `handler` export is a function. One synth for all
 * three, since CI has two cores.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lambdas/function-contract.ts';
import { AwssecIamMfaStack, environmentValues } from '../../lib/awssec-iam-mfa-stack.ts';
import { DEFAULT_CONFIG, readConfig } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';
import { directoryBytes, LAMBDA_BUNDLE_FILE } from '../../lib/lambda-bundle.ts';
import { CDK_JSON_CONTEXT } from './support.ts';

const MAX_ASSET_BYTES = 250 * 1024;
const outdir = mkdtempSync(path.join(tmpdir(), 'awssec-cdk-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The SDK clients each handler constructs, and so the only ones its bundle may import. */
const SDK_CLIENTS: Record<keyof typeof FUNCTIONS, string[]> = {
  onboarding: ['@aws-sdk/client-iam', '@aws-sdk/client-ses', '@aws-sdk/client-sts'],
  nightly: [
    '@aws-sdk/client-iam',
    '@aws-sdk/client-s3',
    '@aws-sdk/client-ses',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-sts',
  ],
  alerts: ['@aws-sdk/client-dynamodb', '@aws-sdk/client-iam', '@aws-sdk/client-sns'],
};

describe('the functions as deployed', () => {
  it('are small ES modules, without source maps, importing only the clients they use, that Node can load', () => {
    const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-asset-metadata': true } });
    const stack = new AwssecIamMfaStack(app, 'AwssecIamMfa', {
      config: readConfig((key) => app.node.tryGetContext(key)),
      env: { region: 'us-east-1' },
    });
    const assembly = app.synth();
    const template = assembly.getStackByName(stack.stackName).template as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    // The bundles import @aws-sdk/* from the runtime; here, from the project's node_modules.
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');
    const environment = environmentValues(DEFAULT_CONFIG, {
      reportBucket: 'reports',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:security',
      alertTable: 'alerts',
      accountId: '123456789012',
    });

    for (const name of Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[]) {
      const fn = stack.functions[name];
      const logicalId = stack.getLogicalId(fn.function.node.defaultChild as never);
      const assetPath = template.Resources[logicalId]?.Metadata?.['aws:asset:path'];
      expect(assetPath, `${name} has no asset`).toBeDefined();
      const asset = path.join(outdir, assetPath ?? '');
      // What is zipped and deployed: the bundle alone.
      expect(readdirSync(asset), name).toEqual([LAMBDA_BUNDLE_FILE]);
      expect(directoryBytes(asset), `${name} asset bytes`).toBeLessThan(MAX_ASSET_BYTES);
      expect(fn.bundle?.sdkImports, `${name} imports`).toEqual(SDK_CLIENTS[name]);

      // Loading runs the module's top level (settings from the environment, clients): no AWS call.
      const loaded = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(path.join(asset, LAMBDA_BUNDLE_FILE)).href)}); console.log(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...environment,
          },
          encoding: 'utf8',
        },
      );
      expect(loaded.trim(), `${name} exports a handler`).toBe('function');
    }
  }, 120_000);
});
