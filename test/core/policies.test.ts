/**
 * The policies under a real IAM policy evaluator (@cloud-copilot/iam-simulate,
 * AGPL, used by tests only), not only by their shape.
 */
import type { EvaluationResult, SimulationIdentityPolicy } from '@cloud-copilot/iam-simulate';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { enforcesMfa } from '../../lambdas/core/account-findings.ts';
import {
  ALLOWED_WITHOUT_MFA,
  type IamPolicyDocument,
  type IamPolicyStatement,
  policyJson,
  REQUIRE_MFA_POLICY_NAME,
  requireMfaPolicy,
  SELF_SERVICE_MFA_POLICY_NAME,
  selfServiceMfaPolicy,
} from '../../lambdas/core/policies.ts';

const ACCOUNT = '123456789012';
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const ALICE = user('alice');
const BOB = user('bob');
const ALICE_DEVICE = `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`;
const BOB_DEVICE = `arn:aws:iam::${ACCOUNT}:mfa/bob-phone`;

/** How alice signed the request, as the request context IAM sees. */
const SIGNED_WITH = {
  // Long-term access keys: IAM leaves aws:MultiFactorAuthPresent out of the context altogether.
  'an access key': { 'aws:username': 'alice' },
  'a console session without MFA': { 'aws:username': 'alice', 'aws:MultiFactorAuthPresent': 'false' },
  MFA: { 'aws:username': 'alice', 'aws:MultiFactorAuthPresent': 'true', 'aws:MultiFactorAuthAge': '120' },
} as const satisfies Record<string, Record<string, string>>;
type Signing = keyof typeof SIGNED_WITH;
const WITHOUT_MFA: readonly Signing[] = ['an access key', 'a console session without MFA'];

const ALLOW_ALL: IamPolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'AllowAll', Effect: 'Allow', Action: ['*'], Resource: '*' }],
};

const attached = (...documents: IamPolicyDocument[]): SimulationIdentityPolicy[] =>
  documents.map((policy, index) => ({ name: `policy${index}`, policy }));

/** The evaluator's decision for alice's request; a request it cannot evaluate fails the test. */
async function decide(
  policies: SimulationIdentityPolicy[],
  action: string,
  resource: string,
  signing: Signing,
  principal: string = ALICE,
): Promise<EvaluationResult> {
  const response = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { ...SIGNED_WITH[signing] },
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`not evaluated: ${JSON.stringify(response.errors)}`);
  return response.overallResult;
}

/** Every object key anywhere in a JSON value. */
function keysIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysIn(inner)]);
}

/** Alice's own resource for one of her MFA set-up calls; `*` for calls that name no resource. */
function resourceOf(action: string): string {
  if (action === 'iam:CreateVirtualMFADevice') return ALICE_DEVICE;
  const wildcardOnly = ['sts:GetSessionToken', 'iam:ListVirtualMFADevices', 'iam:GetAccountPasswordPolicy'];
  return wildcardOnly.includes(action) ? '*' : ALICE;
}

const denyStatement = (document: IamPolicyDocument): IamPolicyStatement | undefined =>
  document.Statement.find((statement) => statement.Sid === 'DenyAllExceptListedIfNoMFA');

const BOTH = [
  [REQUIRE_MFA_POLICY_NAME, requireMfaPolicy],
  [SELF_SERVICE_MFA_POLICY_NAME, selfServiceMfaPolicy],
] as const;

describe('requireMfaPolicy under the IAM evaluator', () => {
  // Beside an Allow-everything policy (an administrator), so whatever is denied is denied by RequireMFA.
  const withAllowAll = attached(requireMfaPolicy, ALLOW_ALL);

  /** The decision for each way of signing: a long-term key, a console session without MFA, MFA. */
  type Decisions = readonly [EvaluationResult, EvaluationResult, EvaluationResult];
  const DENIED = 'ExplicitlyDenied';
  const ALLOWED = 'Allowed';
  const matrix: [string, string, Decisions][] = [
    ['s3:ListAllMyBuckets', '*', [DENIED, DENIED, ALLOWED]],
    ['ec2:DescribeInstances', '*', [DENIED, DENIED, ALLOWED]],
    ['iam:CreateUser', user('mallory'), [DENIED, DENIED, ALLOWED]],
    ['iam:DeactivateMFADevice', ALICE, [DENIED, DENIED, ALLOWED]],
    ['iam:CreateAccessKey', ALICE, [DENIED, DENIED, ALLOWED]],
    // A user with keys trades them, with an MFA code, for MFA session credentials.
    ['sts:GetSessionToken', '*', [ALLOWED, ALLOWED, ALLOWED]],
    ['iam:ListMFADevices', ALICE, [ALLOWED, ALLOWED, ALLOWED]],
    ['iam:ChangePassword', ALICE, [ALLOWED, ALLOWED, ALLOWED]],
    ['iam:GetAccountPasswordPolicy', '*', [ALLOWED, ALLOWED, ALLOWED]],
    // AWS-2023-001: a leaked long-term key must not register the attacker's device (to then get
    // MFA session credentials with it); a console session without MFA still can, to set MFA up.
    ['iam:CreateVirtualMFADevice', ALICE_DEVICE, [DENIED, ALLOWED, ALLOWED]],
    ['iam:EnableMFADevice', ALICE, [DENIED, ALLOWED, ALLOWED]],
    ['iam:ResyncMFADevice', ALICE, [DENIED, ALLOWED, ALLOWED]],
    // Without MFA, an administrator's password alone must not set up MFA for somebody else.
    ['iam:EnableMFADevice', BOB, [DENIED, DENIED, ALLOWED]],
    ['iam:ResyncMFADevice', BOB, [DENIED, DENIED, ALLOWED]],
    ['iam:ChangePassword', BOB, [DENIED, DENIED, ALLOWED]],
    ['iam:GetUser', BOB, [DENIED, DENIED, ALLOWED]],
    ['iam:ListMFADevices', BOB, [DENIED, DENIED, ALLOWED]],
  ];
  const SIGNINGS: readonly Signing[] = ['an access key', 'a console session without MFA', 'MFA'];
  const rows = matrix.flatMap(([action, resource, decisions]) =>
    SIGNINGS.map((signing, index) => ({ signing, action, resource, expected: decisions[index] })),
  );

  it.each(rows)('signed with $signing: $action on $resource is $expected', async (row) => {
    expect(await decide(withAllowAll, row.action, row.resource, row.signing)).toBe(row.expected);
    // The same request without RequireMFA is allowed: the denial, if any, is RequireMFA's.
    expect(await decide(attached(ALLOW_ALL), row.action, row.resource, row.signing)).toBe('Allowed');
  });

  it('lets a user with a path (user/division/alice) set up their own MFA, and nobody else’s', async () => {
    const aliceWithPath = `arn:aws:iam::${ACCOUNT}:user/division/alice`;
    const console = 'a console session without MFA';
    expect(await decide(withAllowAll, 'iam:EnableMFADevice', aliceWithPath, console, aliceWithPath)).toBe(
      'Allowed',
    );
    expect(
      await decide(
        withAllowAll,
        'iam:EnableMFADevice',
        `arn:aws:iam::${ACCOUNT}:user/division/bob`,
        console,
        aliceWithPath,
      ),
    ).toBe('ExplicitlyDenied');
  });

  it.each(ALLOWED_WITHOUT_MFA.map((action) => ({ action })))(
    'grants nothing by itself: $action is implicitly denied with RequireMFA alone',
    async ({ action }) => {
      expect(await decide(attached(requireMfaPolicy), action, resourceOf(action), 'MFA')).toBe(
        'ImplicitlyDenied',
      );
    },
  );
});

describe('selfServiceMfaPolicy under the IAM evaluator', () => {
  const alone = attached(selfServiceMfaPolicy);

  const withoutMfa: [string, string, EvaluationResult][] = [
    ['iam:ListMFADevices', ALICE, 'Allowed'],
    ['iam:GetMFADevice', ALICE, 'Allowed'],
    ['iam:ListVirtualMFADevices', '*', 'Allowed'],
    ['iam:GetUser', ALICE, 'Allowed'],
    ['iam:ChangePassword', ALICE, 'Allowed'],
    ['iam:GetAccountPasswordPolicy', '*', 'Allowed'],
    // Without MFA, another user's MFA and password are out of reach, whatever else the user may do.
    ['iam:EnableMFADevice', BOB, 'ExplicitlyDenied'],
    ['iam:ChangePassword', BOB, 'ExplicitlyDenied'],
    // A stolen password (or key) must not be enough to remove the MFA that guards the account.
    ['iam:DeactivateMFADevice', ALICE, 'ExplicitlyDenied'],
    ['iam:DeleteVirtualMFADevice', ALICE_DEVICE, 'ExplicitlyDenied'],
    ['s3:ListAllMyBuckets', '*', 'ExplicitlyDenied'],
  ];
  const withMfa: [string, string, EvaluationResult][] = [
    ['iam:DeactivateMFADevice', ALICE, 'Allowed'],
    // Not granted: device names are free-form, so it could not be limited to alice's own device.
    ['iam:DeleteVirtualMFADevice', ALICE_DEVICE, 'ImplicitlyDenied'],
    ['iam:DeactivateMFADevice', BOB, 'ImplicitlyDenied'],
    ['iam:EnableMFADevice', BOB, 'ImplicitlyDenied'],
    ['iam:CreateAccessKey', ALICE, 'ImplicitlyDenied'],
    ['s3:ListAllMyBuckets', '*', 'ImplicitlyDenied'],
  ];
  // Registering a device: from the console without MFA, never with a long-term key alone (AWS-2023-001).
  const enrolment: [string, string][] = [
    ['iam:CreateVirtualMFADevice', ALICE_DEVICE],
    ['iam:EnableMFADevice', ALICE],
    ['iam:ResyncMFADevice', ALICE],
  ];
  const rows = [
    ...(WITHOUT_MFA as Signing[]).flatMap((signing) =>
      withoutMfa.map(([action, resource, expected]) => ({ signing, action, resource, expected })),
    ),
    ...enrolment.flatMap(([action, resource]) => [
      { signing: 'an access key' as Signing, action, resource, expected: 'ExplicitlyDenied' },
      { signing: 'a console session without MFA' as Signing, action, resource, expected: 'Allowed' },
      { signing: 'MFA' as Signing, action, resource, expected: 'Allowed' },
    ]),
    ...withMfa.map(([action, resource, expected]) => ({
      signing: 'MFA' as Signing,
      action,
      resource,
      expected,
    })),
  ];

  it.each(rows)('alice signed with $signing: $action on $resource is $expected', async (row) => {
    expect(await decide(alone, row.action, row.resource, row.signing)).toBe(row.expected);
  });

  // Defence in depth, as in AWS's pattern: removing MFA needs MFA even if the Deny were dropped.
  const allowsOnly = attached({
    ...selfServiceMfaPolicy,
    Statement: selfServiceMfaPolicy.Statement.filter((statement) => statement.Effect === 'Allow'),
  });
  it.each<{ action: string; resource: string; signing: Signing; expected: EvaluationResult }>([
    {
      action: 'iam:DeactivateMFADevice',
      resource: ALICE,
      signing: 'an access key',
      expected: 'ImplicitlyDenied',
    },
    {
      action: 'iam:DeleteVirtualMFADevice',
      resource: ALICE_DEVICE,
      signing: 'an access key',
      expected: 'ImplicitlyDenied',
    },
    { action: 'iam:DeactivateMFADevice', resource: ALICE, signing: 'MFA', expected: 'Allowed' },
  ])('its Allows alone: $action signed with $signing is $expected', async (row) => {
    expect(await decide(allowsOnly, row.action, row.resource, row.signing)).toBe(row.expected);
  });

  it("does not let a user with MFA delete another user's virtual device", async () => {
    expect(await decide(alone, 'iam:DeleteVirtualMFADevice', BOB_DEVICE, 'MFA')).toBe('ImplicitlyDenied');
  });
});

describe('the evaluator can tell a wrong policy (the tests above can fail)', () => {
  /** RequireMFA with its first Deny changed. */
  const variant = (change: Partial<IamPolicyStatement>): IamPolicyDocument => ({
    Version: '2012-10-17',
    Statement: requireMfaPolicy.Statement.map((statement, index) =>
      index === 0 ? { ...statement, ...change } : statement,
    ),
  });
  const without = (sid: string): IamPolicyDocument => ({
    Version: '2012-10-17',
    Statement: requireMfaPolicy.Statement.filter((statement) => statement.Sid !== sid),
  });

  it('lets a long-term key register a device without the long-term-key Deny (the earlier RequireMFA)', async () => {
    const earlier = without('DenyMFAEnrolmentWithLongTermKeys');
    expect(await decide(attached(earlier, ALLOW_ALL), 'iam:EnableMFADevice', ALICE, 'an access key')).toBe(
      'Allowed',
    );
  });

  it('lets a password-only administrator register a device on bob without the own-user Deny', async () => {
    const earlier = without('DenyOtherUsersMFASetupIfNoMFA');
    expect(
      await decide(attached(earlier, ALLOW_ALL), 'iam:EnableMFADevice', BOB, 'a console session without MFA'),
    ).toBe('Allowed');
  });

  it.each<{ name: string; signing: Signing; expected: EvaluationResult }>([
    // AWS-FACTS: plain Bool does not deny access keys, whose requests lack the key.
    { name: 'lets an access key through', signing: 'an access key', expected: 'Allowed' },
    {
      name: 'denies a console session without MFA',
      signing: 'a console session without MFA',
      expected: 'ExplicitlyDenied',
    },
  ])('plain Bool instead of BoolIfExists $name', async ({ signing, expected }) => {
    const plainBool = variant({ Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } } });
    expect(await decide(attached(plainBool, ALLOW_ALL), 's3:ListAllMyBuckets', '*', signing)).toBe(expected);
  });

  it('denies sts:GetSessionToken to an access key when the NotAction leaves it out', async () => {
    const noSessionToken = variant({
      NotAction: ALLOWED_WITHOUT_MFA.filter((action) => action !== 'sts:GetSessionToken'),
    });
    expect(
      await decide(attached(noSessionToken, ALLOW_ALL), 'sts:GetSessionToken', '*', 'an access key'),
    ).toBe('ExplicitlyDenied');
  });

  it('rejects an identity policy with a Principal, as IAM does', async () => {
    const withPrincipal = variant({ Principal: '*' } as Partial<IamPolicyStatement>);
    await expect(decide(attached(withPrincipal), 'sts:GetSessionToken', '*', 'MFA')).rejects.toThrow(
      /Principal is not allowed/,
    );
  });
});

describe('policy documents', () => {
  it.each(BOTH)('%s enforces MFA as the assessment reads it', (_name, document) => {
    expect(enforcesMfa(document)).toBe(true);
  });

  it.each(BOTH)('%s has no Principal anywhere (IAM rejects one in an identity policy)', (_name, document) => {
    const keys = keysIn(JSON.parse(policyJson(document)));
    expect(keys).not.toContain('Principal');
    expect(keys).not.toContain('NotPrincipal');
  });

  it.each(BOTH)('%s is policy language 2012-10-17 with unique Sids', (_name, document) => {
    expect(document.Version).toBe('2012-10-17');
    const sids = document.Statement.map((statement) => statement.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it.each(BOTH)('%s prints as indented JSON that reads back the same', (_name, document) => {
    const json = policyJson(document);
    expect(json).toContain('\n  "Statement": [');
    expect(JSON.parse(json)).toEqual(document);
  });

  it('RequireMFA only denies', () => {
    expect(requireMfaPolicy.Statement.length).toBeGreaterThan(0);
    for (const statement of requireMfaPolicy.Statement) expect(statement.Effect).toBe('Deny');
  });

  // BoolIfExists, not Bool: requests signed with long-term access keys carry no
  // aws:MultiFactorAuthPresent, and Bool … false does not match a missing key (AWS-FACTS, Policies).
  it('RequireMFA denies with BoolIfExists on aws:MultiFactorAuthPresent false, for any resource', () => {
    const deny = denyStatement(requireMfaPolicy);
    expect(deny?.Condition).toEqual({ BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
    expect(deny?.Resource).toBe('*');
    expect(deny?.Action).toBeUndefined();
  });

  it('RequireMFA leaves out exactly the calls needed to set up MFA, none by wildcard', () => {
    expect(denyStatement(requireMfaPolicy)?.NotAction).toEqual(ALLOWED_WITHOUT_MFA);
    expect(ALLOWED_WITHOUT_MFA).toContain('sts:GetSessionToken');
    expect(ALLOWED_WITHOUT_MFA.filter((action) => action.includes('*'))).toEqual([]);
    expect(ALLOWED_WITHOUT_MFA.filter((action) => !/^(iam|sts):/.test(action))).toEqual([]);
  });

  it("the self-service policy carries RequireMFA's Denies and allows only named IAM calls", () => {
    for (const deny of requireMfaPolicy.Statement)
      expect(selfServiceMfaPolicy.Statement).toContainEqual(deny);
    const allowed = selfServiceMfaPolicy.Statement.filter(
      (statement) => statement.Effect === 'Allow',
    ).flatMap((statement) => statement.Action ?? ['(NotAction)']);
    expect(allowed.filter((action) => !/^iam:[A-Za-z]+$/.test(action))).toEqual([]);
  });
});
