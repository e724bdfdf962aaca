import { describe, expect, it } from 'vitest';
import {
  exceedsTagQuota,
  isBucketName,
  parseStoredRecord,
  type StoredUserRecord,
  withStoredRecord,
} from '../../lambdas/core/user-record.ts';

const tags = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
const stored = (fields: Partial<StoredUserRecord> = {}): StoredUserRecord => ({
  schema: 1,
  account_id: '123456789012',
  username: 'bob',
  user_id: 'AIDABOB',
  tags: { 'awssec:mfa-warned-at': '2026-11-01T00:00:00Z' },
  updated_at: '2026-11-01T00:00:00Z',
  ...fields,
});

describe('exceedsTagQuota', () => {
  it.each([
    [49, { new: 'x' }, false],
    [50, { new: 'x' }, true],
    [50, { k1: 'overwritten' }, false], // a key the user has already takes no new slot
    [50, { K1: 'other case' }, false], // IAM's keys differ only in case: the same key
    [48, { a: '1', b: '2', c: '3' }, true],
  ])('%i tags plus %j exceeds the quota: %s', (count, toWrite, expected) => {
    expect(exceedsTagQuota(tags(count), toWrite)).toBe(expected);
  });
});

describe('withStoredRecord', () => {
  it("adds the stored record's keys the tags lack", () => {
    expect(withStoredRecord({ team: 'x' }, stored(), 'AIDABOB')).toEqual({
      team: 'x',
      'awssec:mfa-warned-at': '2026-11-01T00:00:00Z',
    });
  });

  it('keeps what the tags say over the store', () => {
    expect(withStoredRecord({ 'AWSSEC:MFA-WARNED-AT': 'tag' }, stored(), 'AIDABOB')).toEqual({
      'AWSSEC:MFA-WARNED-AT': 'tag',
    });
  });

  it('ignores the record of an earlier user of the same name', () => {
    expect(withStoredRecord({}, stored(), 'AIDANEWBOB')).toEqual({});
  });
});

describe('parseStoredRecord', () => {
  it('keeps only the record keys, and refuses what is not a record', () => {
    const text = JSON.stringify(
      stored({ tags: { 'awssec:mfa-exempt': 'sneaky', 'awssec:mfa-enforced-at': 'x' } }),
    );
    expect(parseStoredRecord(text)?.tags).toEqual({ 'awssec:mfa-enforced-at': 'x' });
    expect(parseStoredRecord('not json')).toBeUndefined();
    expect(parseStoredRecord('{"schema":2,"username":"bob","tags":{}}')).toBeUndefined();
  });
});

describe('isBucketName', () => {
  it.each([
    ['audit-records', true],
    ['a.b-c', true],
    ['ab', false],
    ['Audit', false],
    ['a..b', false],
    ['-ab', false],
  ])('%s: %s', (name, expected) => {
    expect(isBucketName(name)).toBe(expected);
  });
});
