import { ENFORCEMENT_TAGS } from './enforcement.ts';
import { WARNED_TAG } from './warnings.ts';

/**
 * Where the tool keeps what it did to a user. Tags on the user first: they
 * travel with the user and need nothing else. IAM allows 50 tags a user; a
 * user who has them all cannot take the tool's, and must not escape
 * enforcement for it, nor be warned every night. Such a user's record goes to
 * a record store (an S3 bucket: the nightly run's report bucket, or the CLI's
 * `--record-bucket`), as the same keys and values the tags would hold.
 */

/** IAM's limit of tags on one user. */
export const TAG_QUOTA = 50;

/** The tag keys that make up the tool's record: the warning and what enforcement did. */
export const RECORD_KEYS: readonly string[] = [WARNED_TAG, ...Object.values(ENFORCEMENT_TAGS)];

/** Writing these tags would take the user past IAM's 50 (keys differing only in case are one key). */
export function exceedsTagQuota(
  existing: Readonly<Record<string, string>>,
  toWrite: Readonly<Record<string, string>>,
): boolean {
  const keys = new Set(Object.keys(existing).map((key) => key.toLowerCase()));
  for (const key of Object.keys(toWrite)) keys.add(key.toLowerCase());
  return keys.size > TAG_QUOTA;
}

/** The user has every tag IAM allows: the next new tag cannot be written. */
export function atTagQuota(tags: Readonly<Record<string, string>>): boolean {
  return Object.keys(tags).length >= TAG_QUOTA;
}

/** A user's record as the store keeps it. */
export interface StoredUserRecord {
  readonly schema: 1;
  readonly account_id: string;
  readonly username: string;
  /** The record belongs to this user, not to a later one created under the same name. */
  readonly user_id: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly updated_at: string;
}

/** Reads, writes and removes users' records; `location` says where, for the output. */
export interface UserRecordStore {
  read(accountId: string, userName: string): Promise<StoredUserRecord | undefined>;
  write(record: StoredUserRecord): Promise<void>;
  remove(accountId: string, userName: string): Promise<void>;
  /** `s3://bucket/records/ACCOUNT/NAME.json` */
  location(accountId: string, userName: string): string;
  /** `s3://bucket/records/ACCOUNT/` */
  where(accountId: string): string;
}

// S3 bucket names: 3 to 63 lower-case letters, digits, dots and hyphens, a letter or digit at each end.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isBucketName(text: string): boolean {
  return BUCKET_NAME.test(text) && !text.includes('..');
}

/** The object key of a user's record: one object a user, by account and name (names are unique regardless of case). */
export function recordKey(accountId: string, userName: string): string {
  return `records/${accountId}/${userName.toLowerCase()}.json`;
}

/**
 * The user's tags with the stored record's keys added where the tags lack
 * them: one view of the record, wherever each part was written. A stored
 * record of another user of the same name (deleted and created again) is
 * ignored, and so is anything in it that is not one of the record's keys.
 */
export function withStoredRecord(
  tags: Readonly<Record<string, string>>,
  stored: StoredUserRecord | undefined,
  userId: string | undefined,
): Record<string, string> {
  if (
    stored === undefined ||
    (stored.user_id !== null && userId !== undefined && stored.user_id !== userId)
  ) {
    return { ...tags };
  }
  const present = new Set(Object.keys(tags).map((key) => key.toLowerCase()));
  const merged: Record<string, string> = { ...tags };
  for (const key of RECORD_KEYS) {
    const value = stored.tags[key];
    if (typeof value === 'string' && !present.has(key.toLowerCase())) merged[key] = value;
  }
  return merged;
}

/** Reads a stored record from the text of its object; undefined for anything that is not one. */
export function parseStoredRecord(text: string): StoredUserRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Partial<StoredUserRecord>;
    if (record.schema !== 1 || typeof record.username !== 'string' || typeof record.tags !== 'object') {
      return undefined;
    }
    const tags = Object.fromEntries(
      Object.entries(record.tags ?? {}).filter(
        (entry): entry is [string, string] => RECORD_KEYS.includes(entry[0]) && typeof entry[1] === 'string',
      ),
    );
    return {
      schema: 1,
      account_id: String(record.account_id ?? ''),
      username: record.username,
      user_id: typeof record.user_id === 'string' ? record.user_id : null,
      tags,
      updated_at: String(record.updated_at ?? ''),
    };
  } catch {
    return undefined;
  }
}
