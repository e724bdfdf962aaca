import { GenerateCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { testClientSettings, testClients } from './aws.ts';
import type { MotoServer } from './moto.ts';
import { seedSampleAccount } from './sample-account.ts';
import { type SeedUser, seedUsers } from './seed.ts';

/** The member accounts' users: different people, different verdicts. */
export const MEMBER_USERS: Readonly<Record<'dev' | 'prod', readonly SeedUser[]>> = {
  dev: [
    { name: 'dev.alice', console: true },
    { name: 'dev.bob', console: true, mfa: ['security-key'] },
  ],
  prod: [
    { name: 'deploy-bot', accessKeys: ['active'] },
    { name: 'prod.admin', console: true, mfa: ['virtual'] },
    { name: 'prod.new', ageDays: 1, console: true },
  ],
};

export interface SampleOrganization {
  /** The management account: the sample account's seven users. */
  readonly management: string;
  readonly dev: string;
  readonly prod: string;
}

/** Clients acting in another account of moto's organization: moto lets any role be assumed. */
export async function memberIam(endpoint: string, accountId: string): Promise<IAMClient> {
  const sts = new STSClient(testClientSettings(endpoint));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
      RoleSessionName: 'seed',
    }),
  );
  return new IAMClient({
    ...testClientSettings(endpoint),
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken,
    },
  });
}

/**
 * An organization of three accounts: the sample account as its management
 * account, and the members `dev` and `prod` with users of their own.
 */
export async function seedSampleOrganization(moto: MotoServer): Promise<SampleOrganization> {
  await seedSampleAccount(testClients(moto.endpoint).iam, moto);
  const organizations = new OrganizationsClient(testClientSettings(moto.endpoint));
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const create = async (name: 'dev' | 'prod') => {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const accountId = CreateAccountStatus?.AccountId ?? '';
    const iam = await memberIam(moto.endpoint, accountId);
    await seedUsers(iam, moto, MEMBER_USERS[name]);
    await iam.send(new GenerateCredentialReportCommand({}));
    return accountId;
  };
  return { management: '123456789012', dev: await create('dev'), prod: await create('prod') };
}
