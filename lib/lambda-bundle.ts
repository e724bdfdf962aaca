/**
 * How each function's code is built: one esbuild run into a directory of its
 * own, which becomes the function's asset. The stack and the benchmark both
 * build with these options, so the figures are those of what is deployed.
 *
 * - ES module for Node 22; the AWS SDK v3 is left to the runtime.
 * - Whitespace and syntax minified, identifiers not: a stack trace in the
 *   logs still names the functions it went through, without a source map for
 *   Node to open at every cold start (`--enable-source-maps` is not set).
 *   (esbuild's keepNames would keep every function alive, and with it the
 *   imports of clients a handler never uses.)
 * - The build runs inside synth, quietly: no "Bundling asset" line and no
 *   esbuild chatter in `cdk synth --quiet` or in the tests.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';

/** Lets a CommonJS dependency `require()` Node's built-ins from the ESM bundle. */
const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const LAMBDA_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['@aws-sdk/*'],
  banner: { js: ESM_REQUIRE_SHIM },
  logLevel: 'silent',
  metafile: true,
  legalComments: 'none',
};

/** The handler file in the asset directory: Lambda's handler setting is `index.handler`. */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';

export interface LambdaBundle {
  /** The directory that becomes the asset: only the bundle. */
  readonly directory: string;
  readonly bytes: number;
  /** The `@aws-sdk/*` modules the bundle imports, which the runtime provides. */
  readonly sdkImports: readonly string[];
}

/** Builds one function's handler into a new directory; throws with esbuild's errors if it cannot. */
export function buildLambda(entry: string): LambdaBundle {
  const directory = mkdtempSync(path.join(tmpdir(), 'awssec-lambda-'));
  const outfile = path.join(directory, LAMBDA_BUNDLE_FILE);
  const result = buildSync({ ...LAMBDA_BUILD_OPTIONS, entryPoints: [entry], outfile });
  return { directory, bytes: directoryBytes(directory), sdkImports: sdkImports(result.metafile) };
}

function sdkImports(metafile: Metafile | undefined): string[] {
  const imports = Object.values(metafile?.outputs ?? {}).flatMap((output) => output.imports);
  return [
    ...new Set(
      imports.filter((entry) => entry.external && entry.path.startsWith('@aws-sdk/')).map((e) => e.path),
    ),
  ].sort();
}

/** What is zipped and deployed: every file in the directory. */
export function directoryBytes(directory: string): number {
  return readdirSync(directory).reduce((sum, name) => sum + statSync(path.join(directory, name)).size, 0);
}
