import { describe, expect, it } from 'vitest';
import { assessUser } from '../../lambdas/core/assessment.ts';
import { asciiSubject, mfaWarningMail, recipientFor } from '../../lambdas/core/messages.ts';
import { buildMfaReport } from '../../lambdas/core/mfa-report.ts';
import { createUserSelector } from '../../lambdas/core/user-selection.ts';
import {
  hasValidWarning,
  usersToWarn,
  WARNED_TAG,
  warnedAt,
  warnedInTime,
  warningTagProblem,
} from '../../lambdas/core/warnings.ts';
import { nightlySummary } from '../../lambdas/use-cases/nightly-run.ts';
import { ACTIVE_KEY, device, inventoryOf, NOW, userFacts, VIRTUAL } from '../support/facts.ts';

const assess = (...args: Parameters<typeof userFacts>) =>
  assessUser(userFacts(...args), {
    now: NOW,
    gracePeriodDays: 7,
    selector: createUserSelector({ include: [], exclude: ['svc-*'] }),
  });
const DAY = 86_400_000;

describe('usersToWarn', () => {
  const assessments = [
    assess('past.grace', { consolePassword: true }),
    assess('warned.before', { consolePassword: true, tags: { [WARNED_TAG]: '2026-11-01T00:00:00Z' } }),
    assess('grace.ends.in.2.days', { consolePassword: true, ageDays: 5 }),
    assess('grace.ends.in.6.days', { accessKeys: [ACTIVE_KEY], ageDays: 1 }),
    assess('grace.ends.in.half.a.day', { consolePassword: true, ageDays: 6.5 }),
    assess('has.mfa', { consolePassword: true, mfaDevices: [device(VIRTUAL)] }),
    assess('svc-exempt', { accessKeys: [ACTIVE_KEY] }),
  ];

  it('warns non-compliant users and those whose grace ends within the window, once, giving a day’s notice', () => {
    const warnings = usersToWarn(assessments, { now: NOW, warningDays: 3 });
    expect(
      warnings.map((w) => [w.assessment.user.userName, (w.deadline.getTime() - NOW.getTime()) / DAY]),
    ).toEqual([
      ['past.grace', 1],
      ['grace.ends.in.2.days', 2],
      ['grace.ends.in.half.a.day', 1], // the grace period ends sooner, but nobody is acted on within a day of the warning
    ]);
  });

  it('warns again after 30 days, and never warns users the run never acts on', () => {
    const stale = new Date(NOW.getTime() - 31 * DAY).toISOString();
    const warnings = usersToWarn(
      [
        assess('warned.long.ago', { consolePassword: true, tags: { [WARNED_TAG]: stale } }),
        assess('breakglass-1', { consolePassword: true }),
      ],
      { now: NOW, warningDays: 3, neverActedOn: (name) => name.startsWith('breakglass-') },
    );
    expect(warnings.map((w) => w.assessment.user.userName)).toEqual(['warned.long.ago']);
  });

  it.each([
    [undefined, false],
    [0.5, false], // warned 12 hours ago: not a day's notice yet
    [1, true],
    [30, true],
    [31, false], // stale
  ])('a warning %s days old allows enforcement: %s', (days, allowed) => {
    const tags: Record<string, string> =
      days === undefined ? {} : { [WARNED_TAG]: new Date(NOW.getTime() - days * DAY).toISOString() };
    expect(warnedInTime(tags, NOW)).toBe(allowed);
  });

  it('treats a warning dated in the future as none: the user is warned again, and the report says the tag is tampered', () => {
    const future = { [WARNED_TAG]: '2099-01-01T00:00:00Z' };
    const assessment = assess('time.traveller', { consolePassword: true, tags: future });
    expect(
      usersToWarn([assessment], { now: NOW, warningDays: 3 }).map((w) => w.assessment.user.userName),
    ).toEqual(['time.traveller']);
    expect(warnedInTime(future, NOW)).toBe(false);
    expect(warningTagProblem(future, NOW)).toBe(
      'tag awssec:mfa-warned-at is dated in the future, 2099-01-01T00:00:00.000Z (tampered?): ignored, the user is warned again',
    );
    expect(assessment.reasons.at(-1)).toBe(warningTagProblem(future, NOW));
  });

  it.each([
    [-60_000, true, undefined], // a minute ahead: clock skew
    [-10 * 60_000, false, 'dated in the future'],
  ])('a warning %s ms old is valid: %s', (ageMs, valid, problem) => {
    const tags = { [WARNED_TAG]: new Date(NOW.getTime() - ageMs).toISOString() };
    expect(hasValidWarning(tags, NOW)).toBe(valid);
    if (problem === undefined) expect(warningTagProblem(tags, NOW)).toBeUndefined();
    else expect(warningTagProblem(tags, NOW)).toContain(problem);
  });

  it('calls a warning tag that is not a time tampered', () => {
    expect(warningTagProblem({ [WARNED_TAG]: 'forever' }, NOW)).toBe(
      'tag awssec:mfa-warned-at is not a time (tampered?): ignored, the user is warned again',
    );
  });

  it('reads the warning time from the tag, ignoring an unreadable one', () => {
    expect(warnedAt({ 'AWSSEC:MFA-WARNED-AT': '2026-11-01T00:00:00Z' })).toEqual(
      new Date('2026-11-01T00:00:00Z'),
    );
    expect(warnedAt({ [WARNED_TAG]: 'yesterday' })).toBeUndefined();
  });
});

describe('recipientFor', () => {
  it.each([
    [{ email: 'carol@example.org' }, 'example.com', 'carol@example.org'],
    [{ Email: ' carol@example.org ' }, '', 'carol@example.org'],
    [{ email: 'n/a' }, 'example.com', 'carol@example.com'],
    [{}, '@example.com', 'carol@example.com'],
    [{}, '', undefined],
  ])('%j with domain %j → %s', (tags, domain, expected) => {
    expect(recipientFor('carol', tags, domain)).toBe(expected);
  });
});

describe('asciiSubject', () => {
  it('keeps SNS subjects ASCII and under 100 characters', () => {
    const subject = asciiSubject(`Alerte für ${'x'.repeat(200)}`);
    expect(subject).toMatch(/^Alerte f\?r x+\.\.\.$/);
    expect(subject.length).toBeLessThan(100);
  });
});

describe('mails and summaries: values from AWS shown safely', () => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: what the tests look for
  const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  const hostile = 'vendor\u001b[2J\r\nFAKE: all clear\u001b]0;owned\u0007';

  it('a warning mail keeps a reason built from a tag on its own line, without escape sequences', () => {
    const mail = mfaWarningMail({
      userName: 'bob',
      accountId: '123456789012',
      deadline: NOW,
      exposure: [`exempted by tag awssec:mfa-exempt: ${hostile}`],
    });
    expect(mail.text).not.toMatch(CONTROL);
    expect(mail.text.split('\n').filter((line) => line.startsWith('FAKE'))).toEqual([]);
    expect(mail.text).toContain('vendor  FAKE: all clear');
  });

  it('the nightly summary shows an error text from AWS on one line, without escape sequences', () => {
    const report = buildMfaReport(inventoryOf([userFacts('bob', { consolePassword: true })]), {
      now: NOW,
      gracePeriodDays: 7,
      selection: { include: [], exclude: [] },
    });
    const summary = nightlySummary(
      {
        mode: 'warn',
        report,
        reportKeys: ['reports/2026/11/22/mfa-report.json'],
        warnings: [
          {
            username: 'bob',
            deadline: NOW.toISOString(),
            mail: 'failed',
            recipient: null,
            error: `ses:SendEmail failed: ${hostile}`,
            recorded_in: null,
          },
        ],
        enforcement: undefined,
        enforcementRefused: undefined,
        tamperedTags: [],
        usersAtTagQuota: [],
        securityHub: undefined,
      },
      {
        mode: 'warn',
        apply: false,
        gracePeriodDays: 7,
        warningDays: 3,
        excludeUsers: [],
        breakGlass: [],
        maxUsers: 10,
        maxPercent: 50,
        disableConsoleAccess: false,
        reportBucket: 'bucket',
        topicArn: 'arn:aws:sns:us-east-1:123456789012:security',
        senderEmail: 'security@example.com',
        emailDomain: '',
        securityHub: false,
      },
    );
    expect(summary.text).not.toMatch(CONTROL);
    expect(summary.text).toContain(
      'Warnings that failed (retried tomorrow): bob: ses:SendEmail failed: vendor  FAKE',
    );
  });
});
