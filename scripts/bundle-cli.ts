/**
 * Builds the two commands into dist/bundle, one ES module each, with the AWS SDK
 * and every other dependency inside. Node then reads a handful of files at
 * start instead of several hundred. The commands' code sits in chunks
 * imported when a command runs, so --help, --version and a usage error load
 * the option parser only. `npm run build` runs this after tsc, which builds
 * the library (dist/index.js) that the API's users import.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI_BUNDLE_DIRECTORY = 'dist/bundle';

rmSync(new URL(`../${CLI_BUNDLE_DIRECTORY}`, import.meta.url), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { awssec: 'bin/awssec.ts', 'iam-mfa-enforce': 'bin/iam-mfa-enforce.ts' },
  outdir: CLI_BUNDLE_DIRECTORY,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // Readable stack traces without a map: names kept, whitespace and syntax squeezed.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // Lets a CommonJS dependency require() Node's built-ins from an ES module.
  banner: {
    js: "import { createRequire as __awssecCreateRequire } from 'node:module'; const require = __awssecCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
