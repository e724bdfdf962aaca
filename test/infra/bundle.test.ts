/**
 * The one test that really builds the functions, through `cdk synth --quiet`
 * as a user runs it (into a temporary directory): the output is checked for
 * chatter, then each function's asset — its size, that it holds no source
 * map, which `@aws-sdk/*` clients its bundle imports — and each bundle is
 * loaded by Node the way Lambda loads it, as an ES module whose `handler`
 * export is a function; and that the regional stacks came out without an
 * asset. One synth for all of it, since CI has two cores.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lambdas/function-contract.ts';
import { environmentValues } from '../../lib/awssec-iam-mfa-stack.ts';
import { DEFAULT_CONFIG } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/constructs/awssec-function.ts';
import { buildLambda, directoryBytes, LAMBDA_BUNDLE_FILE } from '../../lib/lambda-bundle.ts';
import { forwardedRegions, regionalStackName } from '../../lib/regional-forwarding-stack.ts';

const CDK_BIN = createRequire(import.meta.url).resolve('aws-cdk/bin/cdk');
const MAX_ASSET_BYTES = 250 * 1024;
const outdir = mkdtempSync(path.join(tmpdir(), 'awssec-cdk-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** What the nightly run's client modules, and the --org ones, load. */
const ORGANIZATION_STEP_CLIENTS = [
  '@aws-sdk/client-iam',
  '@aws-sdk/client-organizations',
  '@aws-sdk/client-s3',
  '@aws-sdk/client-securityhub',
  '@aws-sdk/client-ses',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-sts',
];

/** The SDK clients each handler constructs, and so the only ones its bundle may import. */
const SDK_CLIENTS: Record<keyof typeof FUNCTIONS, string[]> = {
  onboarding: ['@aws-sdk/client-iam', '@aws-sdk/client-ses', '@aws-sdk/client-sts'],
  nightly: [
    '@aws-sdk/client-iam',
    '@aws-sdk/client-s3',
    '@aws-sdk/client-securityhub',
    '@aws-sdk/client-ses',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-sts',
  ],
  alerts: ['@aws-sdk/client-dynamodb', '@aws-sdk/client-iam', '@aws-sdk/client-sns', '@aws-sdk/client-sts'],
  // Organization mode's steps share modules with the CLI's --org (assumed-role clients, the listing,
  // report settings), which load these clients without constructing them.
  orgAccounts: ['@aws-sdk/client-iam', '@aws-sdk/client-organizations'],
  accountNightly: ORGANIZATION_STEP_CLIENTS,
  orgReport: ORGANIZATION_STEP_CLIENTS,
};

/** The functions of the default (single-account) synth; organization mode's are bundled on their own. */
const SINGLE_ACCOUNT: readonly (keyof typeof FUNCTIONS)[] = ['onboarding', 'nightly', 'alerts'];
const ORGANIZATION: readonly (keyof typeof FUNCTIONS)[] = ['orgAccounts', 'accountNightly', 'orgReport'];

/** The `@aws-sdk/*` modules an ES module bundle imports (left to the runtime). */
function sdkImports(bundle: string): string[] {
  const found = [...bundle.matchAll(/(?:from|import)\s*"(@aws-sdk\/[^"]+)"/g)].map(([, name]) => name ?? '');
  return [...new Set(found)].sort();
}

interface TemplateFunction {
  Type: string;
  Metadata?: Record<string, string>;
  Properties: { Environment?: { Variables?: Record<string, unknown> } };
}

describe('the functions as deployed', () => {
  it('are built by a quiet cdk synth into small ES modules, without source maps, importing only the clients they use, that Node can load', () => {
    const synth = spawnSync(process.execPath, [CDK_BIN, 'synth', '--quiet', '-o', outdir], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
    });
    const output = `${synth.stdout}${synth.stderr}`;
    expect(synth.status, output).toBe(0);
    // Nothing from the bundling, nothing about feature flags left unset.
    for (const chatter of ['Bundling asset', '⚡ Done', 'index.mjs', 'feature flags are not configured']) {
      expect(output).not.toContain(chatter);
    }
    // The main stack and a forwarding stack per region enabled by default; only the main stack has assets.
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; dependencies?: string[] }>;
    };
    const stacks = Object.entries(manifest.artifacts).filter(
      ([, a]) => a.type === 'aws:cloudformation:stack',
    );
    expect(stacks.map(([id]) => id)).toEqual([
      'AwssecIamMfa',
      ...forwardedRegions(DEFAULT_CONFIG).map(regionalStackName),
    ]);
    for (const [id, artifact] of stacks.slice(1)) expect(artifact.dependencies, id).toEqual(['AwssecIamMfa']);
    expect(Object.keys(manifest.artifacts).filter((id) => id.endsWith('.assets'))).toEqual([
      'AwssecIamMfa.assets',
    ]);
    const template = JSON.parse(readFileSync(path.join(outdir, 'AwssecIamMfa.template.json'), 'utf8')) as {
      Resources: Record<string, TemplateFunction>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(SINGLE_ACCOUNT.length);
    // The bundles import @aws-sdk/* from the runtime; here, from the project's node_modules.
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');
    const environment = environmentValues(DEFAULT_CONFIG, {
      reportBucket: 'reports',
      topicArn: 'arn:aws:sns:us-east-1:123456789012:security',
      alertTable: 'alerts',
      accountId: '123456789012',
    });

    // Organization mode's functions: built as the stack builds them (esbuild in-process), no second synth.
    const assets = [
      ...SINGLE_ACCOUNT.map((name) => {
        const fn = functions.find(
          (r) => r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === FUNCTIONS[name].serviceName,
        );
        const assetPath = fn?.Metadata?.['aws:asset:path'];
        expect(assetPath, `${name} has no asset`).toBeDefined();
        return { name, asset: path.join(outdir, assetPath ?? '') };
      }),
      ...ORGANIZATION.map((name) => {
        // Moved beside the synth's assets, where node_modules is found.
        const asset = path.join(outdir, `org-${name}`);
        renameSync(buildLambda(path.join(PROJECT_ROOT, FUNCTIONS[name].entry)).directory, asset);
        return { name, asset };
      }),
    ];
    for (const { name, asset } of assets) {
      // What is zipped and deployed: the bundle alone.
      expect(readdirSync(asset), name).toEqual([LAMBDA_BUNDLE_FILE]);
      expect(directoryBytes(asset), `${name} asset bytes`).toBeLessThan(MAX_ASSET_BYTES);
      const bundle = readFileSync(path.join(asset, LAMBDA_BUNDLE_FILE), 'utf8');
      expect(sdkImports(bundle), `${name} imports`).toEqual(SDK_CLIENTS[name]);
      expect(bundle).not.toContain('sourceMappingURL');

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
