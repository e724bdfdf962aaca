import { GenerateCredentialReportCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { testClientSettings, testClients } from './aws.ts';
import { awsErrorXml, type ProxyRule } from './aws-proxy.ts';
import type { MotoServer } from './moto.ts';
import { type MotoHarness, useMoto } from './moto-harness.ts';
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

/** An organization with the caller's account as its management account, and this many new members: their ids. */
export async function createOrganization(endpoint: string, members: number): Promise<string[]> {
  const organizations = new OrganizationsClient(testClientSettings(endpoint));
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const ids: string[] = [];
  for (let i = 0; i < members; i += 1) {
    const { CreateAccountStatus } = await organizations.send(
      new CreateAccountCommand({ AccountName: `member-${i + 1}`, Email: `member-${i + 1}@example.com` }),
    );
    ids.push(CreateAccountStatus?.AccountId ?? '');
  }
  return ids;
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

/** A proxy rule: AWS refuses to let anyone assume a role in this account (the role is missing, or trusts someone else). */
export function refuseAssumeRoleIn(accountId: string): ProxyRule {
  return ({ action, params }) =>
    action === 'AssumeRole' && params.get('RoleArn')?.includes(`::${accountId}:`)
      ? {
          respond: {
            status: 403,
            body: awsErrorXml(
              'AccessDenied',
              `User: arn:aws:iam::123456789012:user/operator is not authorized to perform: sts:AssumeRole on resource: ${params.get('RoleArn')}`,
            ),
          },
        }
      : undefined;
}

/**
 * moto with the sample organization, for a test file: `org` is read inside
 * tests (its ids are moto's). `more` seeds the rest the file needs.
 */
export function useSampleOrganization(
  more?: (moto: MotoServer) => Promise<void>,
): MotoHarness & { readonly org: SampleOrganization } {
  let org: SampleOrganization | undefined;
  const harness = useMoto(
    async (moto) => {
      org = await seedSampleOrganization(moto);
      await more?.(moto);
    },
    { reseedOnlyAfterChanges: true },
  );
  return {
    get moto() {
      return harness.moto;
    },
    get proxy() {
      return harness.proxy;
    },
    get org() {
      if (org === undefined) throw new Error('the organization is seeded before the first test');
      return org;
    },
  };
}
