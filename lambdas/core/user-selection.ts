/**
 * Which users a run covers (include) and which it leaves alone (exclude).
 * Patterns are user names with the wildcards `*` and `?`; IAM user names are
 * unique regardless of case, so matching ignores case.
 */
export interface UserSelection {
  /**
   * When not empty, the run covers only the users these name. An exact name
   * (no wildcard) overrides the user's exemption; a pattern only narrows the run.
   */
  readonly include: readonly string[];
  /** Users these name are exempted, unless named exactly by an include item. */
  readonly exclude: readonly string[];
  /** Every exemption (tag and exclude patterns) is overridden. @default false */
  readonly ignoreExemptions?: boolean | undefined;
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

/**
 * The items of a comma-separated string or of a list, trimmed. A list that
 * names nothing, or has an empty item (`''`, `'bob,'`, `'a,,b'`, `['a', '']`),
 * is refused: a guard given an empty value must not quietly cover everyone or
 * protect nobody, and `"$A,$B"` with B unset must not quietly mean A alone.
 */
export function listItems(value: string | readonly unknown[], what = 'names or patterns'): string[] {
  const shown = preview(typeof value === 'string' ? `'${value}'` : JSON.stringify(value));
  const items = typeof value === 'string' ? value.split(',') : [...value];
  const bad = items.findIndex((item) => typeof item !== 'string');
  if (bad !== -1) throw new InvalidPatternError(`${shown}: item ${bad + 1} is not a string`);
  const trimmed = (items as string[]).map((item) => item.trim());
  if (trimmed.every((item) => item === '')) {
    throw new InvalidPatternError(`${shown} names nobody: give one or more ${what}, or leave it out`);
  }
  const empty = trimmed.indexOf('');
  if (empty !== -1) {
    throw new InvalidPatternError(
      `${shown} has an empty item (item ${empty + 1}): separate ${what} with single commas, and check that every variable in it is set`,
    );
  }
  return trimmed;
}

/** The value as messages show it: a list of 100,000 names is not one line a reader can use. */
function preview(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 40)}…${text.slice(-30)} (${text.length} characters)`;
}

/** `"bob, svc-*"` or `['bob', 'svc-*']` → `['bob', 'svc-*']`, each checked; see listItems for what is refused. */
export function parsePatternList(value: string | readonly unknown[]): string[] {
  return listItems(value).map(validatePattern);
}

/**
 * One name or pattern a line; `#` starts a comment; blank lines are fine.
 * Commas are part of the name here. A file that names nobody is refused.
 */
export function parsePatternFile(text: string): string[] {
  const patterns: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const item = line.replace(/#.*/, '').trim();
    if (item !== '') patterns.push(validatePattern(item));
  }
  if (patterns.length === 0) {
    throw new InvalidPatternError(
      'names nobody (only blank lines or comments): give one name or pattern a line, or leave it out',
    );
  }
  return patterns;
}

/** Why an exemption does not count for a user this run. */
export type ExemptionOverride = 'named by --include-users' | '--ignore-exemptions';

export interface UserSelector {
  /** The user is part of this run. */
  inScope(userName: string): boolean;
  /** The exclude pattern that names this user, if any (whether or not an override beats it). */
  excludedBy(userName: string): string | undefined;
  /** Why an exemption of this user (exclude pattern or tag) is overridden, or undefined when it counts. */
  exemptionOverride(userName: string): ExemptionOverride | undefined;
}

const WILDCARD = /[*?]/;

interface CompiledPattern {
  readonly index: number;
  readonly pattern: string;
  readonly regex: RegExp;
}

/** `svc-*.bot` → /^svc-.*\.bot$/i; validatePattern allows no other character a regex treats specially. */
function compile(pattern: string): RegExp {
  const source = pattern.replace(/[.+]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

function pushTo(buckets: Map<string, CompiledPattern[]>, key: string, compiled: CompiledPattern): void {
  const bucket = buckets.get(key);
  if (bucket === undefined) buckets.set(key, [compiled]);
  else bucket.push(compiled);
}

/**
 * The first of the patterns (in list order) that names the user, or
 * undefined. Built once for many users: exact names are looked up in a map;
 * a wildcard pattern is kept under its literal prefix (`svc-` for `svc-*`),
 * or its literal suffix when it starts with a wildcard, and tried only on
 * users whose name starts (ends) with it. Only patterns with neither are
 * tried on every user.
 */
export function patternMatcher(patterns: readonly string[]): (userName: string) => string | undefined {
  const exact = new Map<string, { index: number; pattern: string }>();
  const byPrefix = new Map<string, CompiledPattern[]>();
  const bySuffix = new Map<string, CompiledPattern[]>();
  const anywhere: CompiledPattern[] = [];
  const seen = new Set<string>();
  let maxPrefix = 0;
  let maxSuffix = 0;
  patterns.forEach((pattern, index) => {
    const key = pattern.toLowerCase();
    if (seen.has(key)) return; // a repeat never matches before its first occurrence
    seen.add(key);
    const first = key.search(WILDCARD);
    if (first === -1) {
      exact.set(key, { index, pattern });
      return;
    }
    const compiled = { index, pattern, regex: compile(pattern) };
    const suffix = key.slice(Math.max(key.lastIndexOf('*'), key.lastIndexOf('?')) + 1);
    if (first > 0) {
      pushTo(byPrefix, key.slice(0, first), compiled);
      maxPrefix = Math.max(maxPrefix, first);
    } else if (suffix !== '') {
      pushTo(bySuffix, suffix, compiled);
      maxSuffix = Math.max(maxSuffix, suffix.length);
    } else {
      anywhere.push(compiled);
    }
  });

  return (userName) => {
    const name = userName.toLowerCase();
    let best: { readonly index: number; readonly pattern: string } | undefined = exact.get(name);
    // Each bucket is in list order: its first match is the only one that can come first.
    const firstMatch = (bucket: readonly CompiledPattern[] | undefined) => {
      if (bucket === undefined) return;
      for (const candidate of bucket) {
        if (best !== undefined && candidate.index > best.index) return;
        if (candidate.regex.test(userName)) {
          best = candidate;
          return;
        }
      }
    };
    for (let length = 1; length <= Math.min(maxPrefix, name.length); length += 1) {
      firstMatch(byPrefix.get(name.slice(0, length)));
    }
    for (let length = 1; length <= Math.min(maxSuffix, name.length); length += 1) {
      firstMatch(bySuffix.get(name.slice(name.length - length)));
    }
    firstMatch(anywhere);
    return best?.pattern;
  };
}

/** Selectors already built, by selection: one run asks for the same selection's selector several times. */
const selectors = new WeakMap<UserSelection, UserSelector>();

export function createUserSelector(selection: UserSelection): UserSelector {
  let selector = selectors.get(selection);
  if (selector === undefined) {
    selector = buildSelector(selection);
    selectors.set(selection, selector);
  }
  return selector;
}

function buildSelector(selection: UserSelection): UserSelector {
  const include = patternMatcher(selection.include);
  const exclude = patternMatcher(selection.exclude);
  // IAM user names are unique regardless of case, so a name given exactly names one user.
  const namedExactly = new Set(
    selection.include.filter((item) => !WILDCARD.test(item)).map((name) => name.toLowerCase()),
  );
  return {
    inScope: (userName) => selection.include.length === 0 || include(userName) !== undefined,
    excludedBy: exclude,
    exemptionOverride: (userName) =>
      selection.ignoreExemptions === true
        ? '--ignore-exemptions'
        : namedExactly.has(userName.toLowerCase())
          ? 'named by --include-users'
          : undefined,
  };
}

/**
 * The items of a list that name none of the users: a misspelt name in
 * `--include-users` must not pass for a user with nothing to report.
 */
export function unmatchedPatterns(patterns: readonly string[], userNames: readonly string[]): string[] {
  const matchedBy = new Set<string>();
  const names = new Set(userNames.map((name) => name.toLowerCase()));
  const wildcards: string[] = [];
  for (const pattern of patterns) {
    if (WILDCARD.test(pattern)) wildcards.push(pattern);
    else if (names.has(pattern.toLowerCase())) matchedBy.add(pattern);
  }
  for (const pattern of wildcards) {
    const matches = patternMatcher([pattern]);
    if (userNames.some((name) => matches(name) !== undefined)) matchedBy.add(pattern);
  }
  return patterns.filter((pattern) => !matchedBy.has(pattern));
}
