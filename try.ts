import { runCli } from '/work/main/cli/program.ts';
import { testClients } from '/work/main/test/support/aws.ts';
import { startMoto } from '/work/main/test/support/moto.ts';
import { seedUsers } from '/work/main/test/support/seed.ts';

const moto = await startMoto();
const { iam } = testClients(moto.endpoint);
await seedUsers(iam, moto, [
  { name: 'john.doe', console: true, accessKeys: ['active'], mfa: ['virtual'], useFirstKey: true },
  { name: 'jane.smith', console: true, mfa: ['security-key'] },
  { name: 'bob.wilson', console: true },
  { name: 'alice.brown', accessKeys: ['active'], useFirstKey: true },
  { name: 'old.account', ageDays: 900, console: true, accessKeys: ['active'] },
  { name: 'new.user', ageDays: 0, console: true },
  { name: 'svc-backup', accessKeys: ['active'], useFirstKey: true },
]);
const code = await runCli(process.argv.slice(2), {
  io: { stdout: process.stdout, stderr: process.stderr, env: process.env },
  aws: { endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
});
await moto.stop();
console.log('exit', code);
