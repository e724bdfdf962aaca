/**
 * The rules' event patterns against the real-shaped events the handler tests
 * use (test/fixtures/events), with a small matcher for the subset of
 * EventBridge's pattern syntax the stack uses: lists of exact values,
 * `anything-but` and `suffix`. It shows that each rule picks the events it is for, and
 * leaves the rest (MFA sign-ins, failures, federated users) alone, on the
 * default bus in us-east-1 and in another region's forwarding stack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildStack } from './support.ts';

type Pattern = { readonly [key: string]: Pattern | readonly unknown[] };

function leafMatches(allowed: readonly unknown[], value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((candidate) =>
    allowed.some((entry) => {
      if (typeof entry !== 'object' || entry === null) return entry === candidate;
      const rule = entry as Record<string, unknown>;
      if ('anything-but' in rule) {
        const excluded = [rule['anything-but']].flat();
        return candidate !== undefined && !excluded.includes(candidate);
      }
      if ('suffix' in rule) {
        return typeof candidate === 'string' && candidate.endsWith(String(rule.suffix));
      }
      throw new Error(`the test matcher does not know ${JSON.stringify(entry)}`);
    }),
  );
}

/** EventBridge matching: every field the pattern names must be present in the event and match. */
function matchesPattern(pattern: Pattern, event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) =>
    Array.isArray(expected)
      ? key in record && leafMatches(expected, record[key])
      : matchesPattern(expected as Pattern, record[key]),
  );
}

const FIXTURES = new URL('../fixtures/events/', import.meta.url);
const events = Object.fromEntries(
  readdirSync(FIXTURES)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8'))]),
) as Record<string, unknown>;

const built = buildStack();
/** The rules on us-east-1's default bus (the regions bus's are compared with them in regional-stacks.test.ts). */
const rules = Object.fromEntries(
  Object.values(built.stack.functions)
    .flatMap((fn) => fn.rules)
    .map(
      (rule) =>
        [
          rule,
          built.template.findResources('AWS::Events::Rule')[
            built.stack.getLogicalId(rule.node.defaultChild as never)
          ],
        ] as const,
    )
    .filter(([, resource]) => resource?.Properties.EventBusName === undefined)
    .map(([rule, resource]) => [rule.node.id, resource?.Properties.EventPattern as Pattern | undefined]),
);
const euWest1 = built.regional.get('eu-west-1');
const forwardingRules = Object.fromEntries(
  (euWest1?.stack.rules ?? []).map((rule) => [
    rule.node.id,
    euWest1?.template.findResources('AWS::Events::Rule')[
      euWest1.stack.getLogicalId(rule.node.defaultChild as never)
    ]?.Properties.EventPattern as Pattern | undefined,
  ]),
);

/** Which rule each event starts; every other rule must leave it alone. */
const EXPECTED: Record<string, string[]> = {
  'create-user': ['CreateUserRule'],
  'console-login-no-mfa': ['ConsoleSignInWithoutMfaRule'],
  'console-login-no-mfa-eu-west-1': ['ConsoleSignInWithoutMfaRule'],
  'console-login-mfa': [],
  'console-login-failure': [],
  'federated-signin': [],
  'root-signin': ['RootSignInRule'],
  'deactivate-mfa-device': ['MfaDeviceRemovedRule'],
  'root-deactivate-mfa-device': ['MfaDeviceRemovedRule'],
  'delete-virtual-mfa-device': ['MfaDeviceRemovedRule'],
  'enable-mfa-device-access-key': ['MfaDeviceEnabledRule'],
  'enable-mfa-device-console': ['MfaDeviceEnabledRule'],
  'root-enable-mfa-device': ['MfaDeviceEnabledRule'],
  'require-mfa-create-policy-version': ['RequireMfaPolicyChangedRule'],
  'require-mfa-set-default-policy-version': ['RequireMfaPolicyChangedRule'],
  'require-mfa-delete-policy-version': ['RequireMfaPolicyChangedRule'],
  'require-mfa-delete-policy': ['RequireMfaPolicyChangedRule'],
  'require-mfa-detach-user-policy': ['RequireMfaPolicyChangedRule'],
  scheduled: [],
};

describe('event patterns against real-shaped events', () => {
  it('covers the fixtures and the rules', () => {
    expect(Object.keys(rules).sort()).toEqual([
      'ConsoleSignInWithoutMfaRule',
      'CreateUserRule',
      'MfaDeviceEnabledRule',
      'MfaDeviceRemovedRule',
      'RequireMfaPolicyChangedRule',
      'RootSignInRule',
      'ScheduleRule',
    ]);
    expect(Object.keys(events)).toEqual(expect.arrayContaining(Object.keys(EXPECTED)));
  });

  it.each(Object.entries(EXPECTED))('%s starts %j', (name, expected) => {
    const matched = Object.entries(rules)
      .filter(([, pattern]) => pattern !== undefined && matchesPattern(pattern, events[name]))
      .map(([id]) => id);
    expect(matched).toEqual(expected);
  });

  it.each(Object.entries(EXPECTED))(
    "%s is forwarded from eu-west-1 by the alert rule's twin, if any",
    (name, expected) => {
      expect(Object.keys(forwardingRules)).toHaveLength(5);
      const matched = Object.entries(forwardingRules)
        .filter(([, pattern]) => pattern !== undefined && matchesPattern(pattern, events[name]))
        .map(([id]) => id);
      expect(matched).toEqual(expected.filter((id) => id !== 'CreateUserRule'));
    },
  );

  it('matches the other detail-type spelling too', () => {
    const event = events['console-login-no-mfa'] as Record<string, unknown>;
    const otherSpelling = { ...event, 'detail-type': 'AWS Console Signin via CloudTrail' };
    const pattern = rules.ConsoleSignInWithoutMfaRule;
    expect(pattern && matchesPattern(pattern, otherSpelling)).toBe(true);
  });

  it('takes changes to RequireMFA only: the same calls on another policy start nothing', () => {
    const pattern = rules.RequireMfaPolicyChangedRule;
    for (const name of Object.keys(EXPECTED).filter((key) => key.startsWith('require-mfa-'))) {
      const event = structuredClone(events[name]) as { detail: { requestParameters: { policyArn: string } } };
      event.detail.requestParameters.policyArn = 'arn:aws:iam::123456789012:policy/RequireMFA-old';
      expect(pattern && matchesPattern(pattern, event), name).toBe(false);
      event.detail.requestParameters.policyArn = 'arn:aws:iam::123456789012:policy/team/NotRequireMFA';
      expect(pattern && matchesPattern(pattern, event), name).toBe(false);
    }
  });
});
