import { describe, expect, it } from 'vitest';
import { alertClaimKey } from '../../lambdas/core/alert-dedupe.ts';
import type { SecurityAlert } from '../../lambdas/core/cloudtrail-events.ts';

const signIn: SecurityAlert = {
  kind: 'console-sign-in-without-mfa',
  eventId: 'e1',
  eventName: 'ConsoleLogin',
  userName: 'Bob.Wilson',
  actorArn: 'arn:aws:iam::123456789012:user/bob.wilson',
  eventTime: '2026-11-20T08:15:02Z',
  sourceIp: '203.0.113.45',
  userAgent: 'Mozilla/5.0',
  region: 'us-east-1',
  accountId: '123456789012',
  mfaUsed: false,
};

describe('alertClaimKey', () => {
  it('keys sign-ins on the user (any case), the call, the source IP and the MFA flag', () => {
    expect(alertClaimKey(signIn)).toBe(
      'console-sign-in-without-mfa#ConsoleLogin#bob.wilson#203.0.113.45#no-mfa',
    );
    expect(alertClaimKey({ ...signIn, sourceIp: '198.51.100.1' })).not.toBe(alertClaimKey(signIn));
  });

  it('gives a root sign-in without MFA no key (always sent); with MFA, one', () => {
    const root = { ...signIn, kind: 'root-sign-in' as const, userName: 'root' };
    expect(alertClaimKey({ ...root, mfaUsed: false })).toBeUndefined();
    expect(alertClaimKey({ ...root, mfaUsed: true })).toBe('root-sign-in#ConsoleLogin#root#203.0.113.45#mfa');
  });

  it('keys changes to the RequireMFA document on the event, a detach on user, caller and outcome', () => {
    const change = {
      ...signIn,
      kind: 'require-mfa-policy-changed' as const,
      eventName: 'SetDefaultPolicyVersion',
      userName: undefined,
    };
    expect(alertClaimKey(change)).toBe('require-mfa-policy-changed#event#e1');
    const detach = { ...change, eventName: 'DetachUserPolicy', userName: 'bob.wilson' };
    expect(alertClaimKey(detach)).toBe(
      'require-mfa-policy-changed#DetachUserPolicy#bob.wilson#arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fbob.wilson#done',
    );
    expect(alertClaimKey({ ...detach, errorCode: 'AccessDenied' })).toMatch(/#refused$/);
  });

  it('encodes the parts, so a # in a value cannot make two keys alike, and hashes a long key', () => {
    expect(alertClaimKey({ ...signIn, userName: 'a#b' })).toBe(
      'console-sign-in-without-mfa#ConsoleLogin#a%23b#203.0.113.45#no-mfa',
    );
    const long = alertClaimKey({ ...signIn, userName: 'x'.repeat(3000) });
    expect(long).toMatch(/^console-sign-in-without-mfa#sha256:[0-9a-f]{64}$/);
  });
});
