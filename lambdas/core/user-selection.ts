import picomatch from 'picomatch';

/**
 * Which users a run covers (include) and which it leaves alone (exclude).
 * Patterns are user names with the wildcards `*` and `?`; IAM user names are
 * unique regardless of case, so matching ignores case.
 */
export interface UserSelection {
  /** When not empty, the run covers only the users these name; they are never exempted. */
  readonly include: readonly string[];
  /** Users these name are exempted, unless an include pattern names them. */
  readonly exclude: readonly string[];
}

export class InvalidPatternError extends Error {
  override readonly name = 'InvalidPatternError';
}

// IAM user names: letters, digits and + = , . @ _ - (at most 64); patterns add * and ?.
const PATTERN = /^[\w+=,.@*?-]{1,64}$/;

export function validatePattern(pattern: string): string {
  if (!PATTERN.test(pattern)) {
    throw new InvalidPatternError(
      `'${pattern}' is not a user name or pattern (letters, digits, + = , . @ _ - and the wildcards * ?)`,
    );
  }
  return pattern;
}

// IAM user names: letters, digits and + = , . @ _ - (at most 64).
const USER_NAME = /^[\w+=,.@-]{1,64}$/;

/** Whether the text is an IAM user name (not a pattern). */
export function isUserName(text: string): boolean {
  return USER_NAME.test(text);
}

/** `"bob, svc-*"` → `['bob', 'svc-*']`; empty items are dropped. */
export function parsePatternList(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
    .map(validatePattern);
}

/** One name or pattern a line; `#` starts a comment. Commas are part of the name here. */
export function parsePatternFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '')
    .map(validatePattern);
}

export interface UserSelector {
  /** The user is part of this run. */
  inScope(userName: string): boolean;
  /** The exclude pattern that exempts this user, if any; undefined for users an include pattern names. */
  excludedBy(userName: string): string | undefined;
  /** The user is named by an include pattern, which beats any exemption. */
  includedExplicitly(userName: string): boolean;
}

/** The first of the patterns that names the user, or undefined. */
export function patternMatcher(patterns: readonly string[]): (userName: string) => string | undefined {
  const matchers = patterns.map((pattern) => ({
    pattern,
    matches: picomatch(pattern, { nocase: true, dot: true }),
  }));
  return (userName) => matchers.find(({ matches }) => matches(userName))?.pattern;
}

export function createUserSelector(selection: UserSelection): UserSelector {
  const include = patternMatcher(selection.include);
  const exclude = patternMatcher(selection.exclude);
  const includedExplicitly = (userName: string) => include(userName) !== undefined;
  return {
    inScope: (userName) => selection.include.length === 0 || includedExplicitly(userName),
    includedExplicitly,
    excludedBy: (userName) => (includedExplicitly(userName) ? undefined : exclude(userName)),
  };
}
