import type { IAMClient } from '@aws-sdk/client-iam';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  exceedsTagQuota,
  parseStoredRecord,
  recordKey,
  type StoredUserRecord,
  TAG_QUOTA,
  type UserRecordStore,
  withStoredRecord,
} from '../core/user-record.ts';
import { AwsCallError, awsCall, awsErrorName } from './aws-call-error.ts';
import { type AwsClientSettings, awsClientConfig, withNetworkBudget } from './aws-clients.ts';
import { tagUser } from './iam-enforcer.ts';

/** Users' records as JSON objects under `records/ACCOUNT/` in an S3 bucket. */
export function s3RecordStore(s3: S3Client, bucket: string): UserRecordStore {
  return {
    location: (accountId, userName) => `s3://${bucket}/${recordKey(accountId, userName)}`,
    where: (accountId) => `s3://${bucket}/${recordKey(accountId, '').replace(/\.json$/, '')}`,
    read: async (accountId, userName) => {
      try {
        const object = await awsCall('s3:GetObject', () =>
          s3.send(new GetObjectCommand({ Bucket: bucket, Key: recordKey(accountId, userName) })),
        );
        return parseStoredRecord((await object.Body?.transformToString()) ?? '');
      } catch (error) {
        // Without s3:ListBucket, S3 answers a missing object with AccessDenied: the roles have it.
        if (
          error instanceof AwsCallError &&
          ['NoSuchKey', 'NotFound'].includes(awsErrorName(error.cause) ?? '')
        )
          return undefined;
        throw error;
      }
    },
    write: async (record) => {
      await awsCall('s3:PutObject', () =>
        s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: recordKey(record.account_id, record.username),
            Body: `${JSON.stringify(record, null, 2)}\n`,
            ContentType: 'application/json',
          }),
        ),
      );
    },
    remove: async (accountId, userName) => {
      await awsCall('s3:DeleteObject', () =>
        s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: recordKey(accountId, userName) })),
      );
    },
  };
}

/** The user has every tag IAM allows and no record store was given: nothing may be done without a record. */
export class TagQuotaError extends Error {
  override readonly name = 'TagQuotaError';
}

/** Why a user at the tag quota cannot be recorded without a record store. */
export function tagQuotaMessage(userName: string): string {
  return `cannot record: tag quota (${userName} has IAM's ${TAG_QUOTA} tags, and a record store was not given)`;
}

export interface RecordTarget {
  readonly accountId: string;
  readonly userName: string;
  readonly userId: string | undefined;
  /** The user's tags as read just before. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Where a record went: `tags`, or the store's location of it. */
export type RecordedIn = 'tags' | string;

/**
 * Writes the tool's record on the user: as tags while the user has room for
 * them, else (IAM's 50 tags, seen beforehand or refused with LimitExceeded)
 * in the record store, merged with what the store already holds for the
 * user. Without a store, a user at the quota cannot be recorded:
 * TagQuotaError, and the caller does nothing to the user.
 */
export async function recordOnUser(
  iam: IAMClient,
  store: UserRecordStore | undefined,
  target: RecordTarget,
  record: Readonly<Record<string, string>>,
  now: Date,
): Promise<RecordedIn> {
  if (Object.keys(record).length === 0) return 'tags';
  if (!exceedsTagQuota(target.tags, record)) {
    try {
      await tagUser(iam, target.userName, record);
      return 'tags';
    } catch (error) {
      if (!(error instanceof AwsCallError && awsErrorName(error.cause) === 'LimitExceededException'))
        throw error;
    }
  }
  if (store === undefined) {
    throw new TagQuotaError(tagQuotaMessage(target.userName));
  }
  const stored = await store.read(target.accountId, target.userName);
  const kept = withStoredRecord({}, stored, target.userId);
  const next: StoredUserRecord = {
    schema: 1,
    account_id: target.accountId,
    username: target.userName,
    user_id: target.userId ?? null,
    tags: { ...kept, ...record },
    updated_at: now.toISOString(),
  };
  await store.write(next);
  return store.location(target.accountId, target.userName);
}

/** S3 by bucket path when the endpoint is overridden (an emulator has no per-bucket host names). */
export function createS3Client(settings: AwsClientSettings = {}): S3Client {
  const overridden =
    settings.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? undefined;
  return withNetworkBudget(
    new S3Client({ ...awsClientConfig(settings), forcePathStyle: overridden !== undefined }),
  );
}
