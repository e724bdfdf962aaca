import type { UserAssessment } from './assessment.ts';
import { tagValue } from './tags.ts';

/** Set on a user when the nightly run warns them; the value is the time. */
export const WARNED_TAG = 'awssec:mfa-warned-at';

/** The nightly run acts only on users warned at least this long before. */
export const WARNING_NOTICE_MS = 24 * 3_600_000;

export interface Warning {
  readonly assessment: UserAssessment;
  /** The earliest time enforcement may act: a day after the warning, and never inside the grace period. */
  readonly deadline: Date;
}

/**
 * Who gets a warning tonight: users in their grace period that ends within
 * `warningDays`, and non-compliant users, who have not been warned yet.
 * Exempted and compliant users never are.
 */
export function usersToWarn(
  assessments: readonly UserAssessment[],
  options: { readonly now: Date; readonly warningDays: number },
): Warning[] {
  const now = options.now.getTime();
  const windowEnd = now + options.warningDays * 86_400_000;
  const noticeEnds = now + WARNING_NOTICE_MS;
  return assessments.flatMap((assessment) => {
    if (warnedAt(assessment.user.tags) !== undefined) return [];
    if (assessment.status === 'non-compliant') return [{ assessment, deadline: new Date(noticeEnds) }];
    const graceEnds = assessment.gracePeriodEndsAt?.getTime();
    if (assessment.status === 'grace-period' && graceEnds !== undefined && graceEnds <= windowEnd) {
      return [{ assessment, deadline: new Date(Math.max(graceEnds, noticeEnds)) }];
    }
    return [];
  });
}

/** When the user was warned, from the tag; undefined when never (or the tag is unreadable). */
export function warnedAt(tags: Readonly<Record<string, string>>): Date | undefined {
  const value = tagValue(tags, WARNED_TAG);
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
