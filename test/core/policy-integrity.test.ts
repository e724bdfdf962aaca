import { describe, expect, it } from 'vitest';
import { requireMfaPolicy } from '../../lambdas/core/policies.ts';
import { normalisePolicy, requireMfaPolicyVerdict } from '../../lambdas/core/policy-integrity.ts';

type Statement = Record<string, unknown>;
const canonical = requireMfaPolicy.Statement as unknown as readonly Statement[];
const [mainDeny, ownUserDeny, longTermKeyDeny] = canonical as [Statement, Statement, Statement];
const document = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
/** The canonical document with its first Deny changed. */
const withMainDeny = (change: Statement) =>
  document({ ...mainDeny, ...change }, ownUserDeny, longTermKeyDeny);

describe('requireMfaPolicyVerdict', () => {
  it('accepts the canonical document however it is written', () => {
    const reordered = document(
      longTermKeyDeny,
      {
        ...mainDeny,
        NotAction: [...(mainDeny.NotAction as string[])].reverse().map((action) => action.toUpperCase()),
        Resource: ['*'],
        Condition: { BoolIfExists: { 'AWS:MultiFactorAuthPresent': false } },
      },
      ownUserDeny,
    );
    expect(requireMfaPolicyVerdict(requireMfaPolicy)).toBe('canonical');
    expect(requireMfaPolicyVerdict(reordered)).toBe('canonical');
    // As IAM returns it: a JSON text, read back with other whitespace.
    expect(requireMfaPolicyVerdict(JSON.parse(JSON.stringify(requireMfaPolicy, null, 7)))).toBe('canonical');
  });

  it("calls the earlier release's document outdated, not canonical", () => {
    expect(requireMfaPolicyVerdict(document(mainDeny))).toBe('outdated');
  });

  // The documents a security review got the tool to attach before this check.
  it.each<[string, unknown]>([
    [
      'an Allow of everything beside a narrow Deny',
      document(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { ...mainDeny, NotAction: undefined, Action: 's3:GetObject' },
      ),
    ],
    [
      'the canonical Denies plus an Allow of everything',
      document(...canonical, { Sid: 'Extra', Effect: 'Allow', Action: '*', Resource: '*' }),
    ],
    [
      'a Deny narrowed to nobody',
      withMainDeny({
        Condition: {
          BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' },
          StringEquals: { 'aws:username': 'nobody' },
        },
      }),
    ],
    ['NotAction *', withMainDeny({ NotAction: '*' })],
    ['plain Bool', withMainDeny({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } })],
    ['NotAction iam:* and sts:*', withMainDeny({ NotAction: ['iam:*', 'sts:*'] })],
    [
      'one more call left out',
      withMainDeny({ NotAction: [...(mainDeny.NotAction as string[]), 'iam:CreateAccessKey'] }),
    ],
    ['a Principal', withMainDeny({ Principal: '*' })],
    ['the long-term-key Deny dropped', document(mainDeny, ownUserDeny)],
    ['a renamed statement', withMainDeny({ Sid: 'Other' })],
    ['an empty document', {}],
    ['no document', undefined],
    ['a statement that is not an object', document('Deny')],
  ])('refuses %s', (_name, tampered) => {
    expect(requireMfaPolicyVerdict(tampered)).toBe('tampered');
  });
});

describe('normalisePolicy', () => {
  it('keeps condition values, resources and operators as written where IAM tells them apart', () => {
    const a = normalisePolicy(document({ Effect: 'Deny', Action: 'x:y', Resource: 'arn:aws:s3:::A' }));
    const b = normalisePolicy(document({ Effect: 'Deny', Action: 'x:y', Resource: 'arn:aws:s3:::a' }));
    expect(a).not.toBe(b);
  });

  it('reads one statement object as a list of one', () => {
    const one = { Effect: 'Deny', Action: ['x:y'], Resource: '*' };
    expect(normalisePolicy({ Version: '2012-10-17', Statement: one })).toBe(normalisePolicy(document(one)));
  });
});
