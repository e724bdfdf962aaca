import type { UserAssessment } from './assessment.ts';
import { tagValue } from './tags.ts';

/** Set on a user when the nightly run warns them; the value is the time. */
export const WARNED_TAG = 'awssec:mfa-warned-at';

/** The nightly run acts only on users warned at least this long before. */
export const WARNING_NOTICE_MS = 24 * 3_600_000;

/**
 * A warning older than this is stale: the user is warned again before
 * anything happens (say they set up MFA after the warning and lost it months
 * later). Long enough for a run held back by its guards to catch up.
 */
export const WARNING_VALID_MS = 30 * 86_400_000;

/**
 * How far a warning may lie in the future and still count: clocks differ by
 * seconds, not more. Anything later was not written by this tool, and would
 * otherwise hold a user's warning valid (and enforcement off) forever.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface Warning {
  readonly assessment: UserAssessment;
  /** The earliest time enforcement may act: a day after the warning, and never inside the grace period. */
  readonly deadline: Date;
}

/**
 * Who gets a warning tonight: users in their grace period that ends within
 * `warningDays`, and non-compliant users, who hold no valid warning yet.
 * Exempted and compliant users never are, nor users the run never acts on
 * (`neverActedOn`: break-glass names).
 */
export function usersToWarn(
  assessments: readonly UserAssessment[],
  options: {
    readonly now: Date;
    readonly warningDays: number;
    readonly neverActedOn?: ((userName: string) => unknown) | undefined;
  },
): Warning[] {
  const now = options.now.getTime();
  const windowEnd = now + options.warningDays * 86_400_000;
  const noticeEnds = now + WARNING_NOTICE_MS;
  return assessments.flatMap((assessment) => {
    if (hasValidWarning(assessment.user.tags, options.now)) return [];
    if (options.neverActedOn?.(assessment.user.userName)) return [];
    if (assessment.status === 'non-compliant') return [{ assessment, deadline: new Date(noticeEnds) }];
    const graceEnds = assessment.gracePeriodEndsAt?.getTime();
    if (assessment.status === 'grace-period' && graceEnds !== undefined && graceEnds <= windowEnd) {
      return [{ assessment, deadline: new Date(Math.max(graceEnds, noticeEnds)) }];
    }
    return [];
  });
}

/** The user holds a warning that is neither stale (see WARNING_VALID_MS) nor dated in the future. */
export function hasValidWarning(tags: Readonly<Record<string, string>>, now: Date): boolean {
  const warned = warnedAt(tags);
  if (warned === undefined) return false;
  const age = now.getTime() - warned.getTime();
  return age >= -CLOCK_SKEW_MS && age <= WARNING_VALID_MS;
}

/**
 * Enforcement may act: the user was warned at least a day before `now`, and
 * the warning is not stale.
 */
export function warnedInTime(tags: Readonly<Record<string, string>>, now: Date): boolean {
  const warned = warnedAt(tags);
  if (warned === undefined) return false;
  const age = now.getTime() - warned.getTime();
  return age >= WARNING_NOTICE_MS && age <= WARNING_VALID_MS;
}

/**
 * What is wrong with the user's warning tag, for the report: dated in the
 * future beyond clock skew, or not a time at all. Either way it counts as no
 * warning (the user is warned again), and somebody other than this tool
 * wrote it.
 */
export function warningTagProblem(tags: Readonly<Record<string, string>>, now: Date): string | undefined {
  const value = tagValue(tags, WARNED_TAG);
  if (value === undefined) return undefined;
  const warned = warnedAt(tags);
  if (warned === undefined) {
    return `tag ${WARNED_TAG} is not a time (tampered?): ignored, the user is warned again`;
  }
  if (warned.getTime() - now.getTime() > CLOCK_SKEW_MS) {
    return `tag ${WARNED_TAG} is dated in the future, ${warned.toISOString()} (tampered?): ignored, the user is warned again`;
  }
  return undefined;
}

/** When the user was warned, from the tag; undefined when never (or the tag is unreadable). */
export function warnedAt(tags: Readonly<Record<string, string>>): Date | undefined {
  const value = tagValue(tags, WARNED_TAG);
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
