#!/usr/bin/env node
import { runStandalone } from '../cli/standalone.ts';

// The SDK's notice that its 2027 releases will need Node 22 is not about this tool's run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runStandalone(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, env: process.env },
});
