import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  GenerateCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { MotoServer } from './moto.ts';
import { type SeededUser, type SeedUser, seedUsers } from './seed.ts';

/** The product sheet's sample account. */
export const SAMPLE_USERS: readonly SeedUser[] = [
  {
    name: 'john.doe',
    ageDays: 540,
    console: true,
    accessKeys: ['active'],
    useFirstKey: true,
    mfa: ['virtual'],
  },
  { name: 'jane.smith', ageDays: 320, console: true, mfa: ['security-key'] },
  { name: 'bob.wilson', ageDays: 412, console: true },
  { name: 'alice.brown', ageDays: 230, accessKeys: ['active'], useFirstKey: true },
  { name: 'old.account', ageDays: 1300, console: true, accessKeys: ['active', 'inactive'] },
  { name: 'new.user', ageDays: 0, console: true, tags: { email: 'new.user@example.com' } },
  { name: 'svc-backup', ageDays: 700, accessKeys: ['active'], useFirstKey: true },
];

/**
 * The sample users, a `developers` group that has no MFA-enforcing policy, and
 * a credential report already generated (as in most accounts: AWS keeps one
 * for four hours), so a run need not wait for it.
 */
export async function seedSampleAccount(iam: IAMClient, moto: MotoServer): Promise<Map<string, SeededUser>> {
  const seeded = await seedUsers(iam, moto, SAMPLE_USERS);
  await iam.send(new CreateGroupCommand({ GroupName: 'developers' }));
  for (const UserName of ['john.doe', 'bob.wilson', 'alice.brown']) {
    await iam.send(new AddUserToGroupCommand({ GroupName: 'developers', UserName }));
  }
  await iam.send(new GenerateCredentialReportCommand({}));
  return seeded;
}
