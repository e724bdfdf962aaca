/**
 * The range of every numeric setting, in one table that the CLI, the API,
 * the CDK context and the Lambda environment all read, so they cannot drift.
 * Text is taken as plain decimal only: `0x10`, `1e3`, `+5`, `1_000` or
 * `1 0` are refused rather than read as some other number.
 */
export interface NumberRange {
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly whole: boolean;
  /** The minimum itself is not allowed (a percentage above 0). */
  readonly aboveMin?: boolean;
  /** What the number counts, for messages: `days`, `users`. */
  readonly unit: string;
}

export const OPTION_RANGES = {
  /** Ten years: beyond it the grace period's end is no date anyone means. */
  gracePeriodDays: { min: 0, max: 3650, whole: true, unit: 'days' },
  /** A warning stays valid 30 days, so warning earlier than that would only repeat it. */
  warningDays: { min: 1, max: 30, whole: true, unit: 'days' },
  reportTimeoutSeconds: { min: 1, max: 3600, whole: true, unit: 'seconds' },
  /** One AWS call: five minutes is already far beyond any answer AWS gives. */
  timeoutSeconds: { min: 1, max: 300, whole: true, unit: 'seconds' },
  credentialReportTimeoutMs: { min: 1000, max: 3_600_000, whole: true, unit: 'milliseconds' },
  /** IAM's quota of users in an account is 5,000. */
  maxUsers: { min: 1, max: 5000, whole: true, unit: 'users' },
  maxPercent: { min: 0, max: 100, whole: false, aboveMin: true, unit: 'percent' },
  concurrency: { min: 1, max: 64, whole: true, unit: 'simultaneous calls' },
  /** Accounts of an organization read at once; each runs its own calls at `concurrency`. */
  accountConcurrency: { min: 1, max: 64, whole: true, unit: 'accounts at once' },
  /** A day: a longer window would keep quiet about repeated root sign-ins for too long. */
  alertWindowMinutes: { min: 1, max: 1440, whole: true, unit: 'minutes' },
} as const satisfies Record<string, NumberRange>;

export type RangedOption = keyof typeof OPTION_RANGES;

const WHOLE = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/**
 * The number, when the value is one (or plain decimal text, outer spaces
 * ignored) within the option's range; undefined otherwise.
 */
export function numberInRange(option: RangedOption, value: unknown): number | undefined {
  const range: NumberRange = OPTION_RANGES[option];
  let number: number;
  if (typeof value === 'number') {
    number = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!(range.whole ? WHOLE : DECIMAL).test(text)) return undefined;
    number = Number(text);
  } else {
    return undefined;
  }
  if (!Number.isFinite(number) || (range.whole && !Number.isInteger(number))) return undefined;
  if (number > range.max || number < range.min || (range.aboveMin === true && number === range.min)) {
    return undefined;
  }
  return number;
}

/** `a whole number of days from 0 to 3650`, `a number above 0 and at most 100 (plain decimal, e.g. 12.5)`. */
export function describeRange(option: RangedOption): string {
  const range: NumberRange = OPTION_RANGES[option];
  if (!range.whole) {
    return `a percentage above ${range.min} and at most ${range.max} (plain decimal, e.g. 12.5)`;
  }
  return `a whole number of ${range.unit} from ${range.min} to ${range.max}`;
}
