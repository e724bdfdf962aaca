import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  type IAMClient,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import type { MfaDeviceKind } from '../../lambdas/core/user-facts.ts';
import type { MotoServer } from './moto.ts';

export interface SeedUser {
  readonly name: string;
  /** How long ago the user (and its keys and devices) were created. @default 400 */
  readonly ageDays?: number;
  readonly console?: boolean;
  /** One entry per access key. */
  readonly accessKeys?: readonly ('active' | 'inactive')[];
  /** Make a call with the first key, so the key has a last-used date. */
  readonly useFirstKey?: boolean;
  readonly mfa?: readonly MfaDeviceKind[];
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SeededUser {
  readonly name: string;
  readonly accessKeyIds: readonly string[];
  readonly mfaSerials: readonly string[];
}

const DAY_SECONDS = 86_400;
const ACCOUNT_ID = '123456789012';

export function deviceSerial(kind: MfaDeviceKind, userName: string, index: number): string {
  switch (kind) {
    case 'virtual':
      return `arn:aws:iam::${ACCOUNT_ID}:mfa/${userName}-${index}`;
    case 'security-key':
      return `arn:aws:iam::${ACCOUNT_ID}:u2f/user/${userName}/fido-key-${index}`;
    case 'hardware-totp':
      return `GAKT${String(10_000_000 + index).slice(-8)}`;
  }
}

/**
 * Creates the users in moto, each stamped `ageDays` in the past: users of one
 * age are created together (moto's clock is global), in parallel.
 */
export async function seedUsers(
  iam: IAMClient,
  moto: MotoServer,
  users: readonly SeedUser[],
  concurrency = 16,
): Promise<Map<string, SeededUser>> {
  const seeded = new Map<string, SeededUser>();
  const byAge = new Map<number, SeedUser[]>();
  for (const user of users) byAge.set(user.ageDays ?? 400, [...(byAge.get(user.ageDays ?? 400) ?? []), user]);
  const limit = pLimit(concurrency);
  try {
    for (const [ageDays, group] of byAge) {
      await moto.setClockOffset(-ageDays * DAY_SECONDS);
      await Promise.all(
        group.map((user) => limit(async () => seeded.set(user.name, await seedUser(iam, user)))),
      );
    }
  } finally {
    await moto.setClockOffset(0);
  }
  await Promise.all(
    users
      .filter((user) => user.useFirstKey)
      .map((user) => {
        const keyId = seeded.get(user.name)?.accessKeyIds[0];
        return keyId ? useAccessKey(moto.endpoint, keyId) : undefined;
      }),
  );
  return seeded;
}

async function seedUser(iam: IAMClient, user: SeedUser): Promise<SeededUser> {
  const Tags = Object.entries(user.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
  await iam.send(new CreateUserCommand({ UserName: user.name, ...(Tags.length > 0 ? { Tags } : {}) }));
  if (user.console) {
    await iam.send(new CreateLoginProfileCommand({ UserName: user.name, Password: 'Correct-Horse-9!' }));
  }
  const accessKeyIds: string[] = [];
  for (const status of user.accessKeys ?? []) {
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user.name }));
    const id = AccessKey?.AccessKeyId ?? '';
    accessKeyIds.push(id);
    if (status === 'inactive') {
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: user.name, AccessKeyId: id, Status: 'Inactive' }),
      );
    }
  }
  const mfaSerials: string[] = [];
  for (const [index, kind] of (user.mfa ?? []).entries()) {
    let serial = deviceSerial(kind, user.name, index);
    if (kind === 'virtual') {
      const { VirtualMFADevice } = await iam.send(
        new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `${user.name}-${index}` }),
      );
      serial = VirtualMFADevice?.SerialNumber ?? serial;
    }
    await iam.send(
      new EnableMFADeviceCommand({
        UserName: user.name,
        SerialNumber: serial,
        AuthenticationCode1: '123456',
        AuthenticationCode2: '654321',
      }),
    );
    mfaSerials.push(serial);
  }
  return { name: user.name, accessKeyIds, mfaSerials };
}

/** Any call signed with the key makes moto record it as used, now. */
export async function useAccessKey(endpoint: string, accessKeyId: string): Promise<void> {
  const sts = new STSClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'unused-by-moto' },
  });
  await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
}
