/**
 * `npm run demo`: the report on a sample account, end to end, with no AWS
 * account. Starts moto on a free loopback port, seeds the product sheet's
 * users, runs `awssec iam-mfa report --exclude-users svc-*` against it with
 * the real SDK clients, and stops moto. `npm run demo -- enforce` shows the
 * enforcement plan instead (add `--apply` to carry it out, in moto).
 */
import { runCli } from '../cli/program.ts';
import { testClientSettings, testClients } from '../test/support/aws.ts';
import { type MotoServer, startMoto } from '../test/support/moto.ts';
import { seedSampleAccount } from '../test/support/sample-account.ts';

// Whatever the shell holds, nothing here may reach a real AWS endpoint or credential.
for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS']) {
  delete process.env[name];
}
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// `npm run demo -- enforce --apply` runs another command; other options go to report.
const COMMANDS = ['report', 'enforce', 'restore', 'policy'];
const extra = process.argv.slice(2);
const [command, rest] = COMMANDS.includes(extra[0] ?? '')
  ? [extra[0] ?? 'report', extra.slice(1)]
  : ['report', extra];
const args = [
  'iam-mfa',
  command,
  ...(command === 'report' || command === 'enforce' ? ['--exclude-users', 'svc-*'] : []),
  ...rest,
];

let moto: MotoServer | undefined;
try {
  process.stderr.write('Starting moto (the AWS emulator) and seeding the sample account…\n');
  moto = await startMoto();
  process.env.AWS_ENDPOINT_URL = moto.endpoint;
  await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  process.stderr.write(`$ awssec ${args.join(' ')}   # against moto at ${moto.endpoint}\n\n`);
  process.exitCode = await runCli(args, {
    io: { stdout: process.stdout, stderr: process.stderr, env: process.env },
    aws: testClientSettings(moto.endpoint),
  });
  if (command === 'report') {
    process.stderr.write(
      "\nmoto always reports the root user without MFA, so the demo's root finding is moto's, not a bug.\n",
    );
  }
} catch (error) {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await moto?.stop();
}
