import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import {
  createUserSelector,
  InvalidPatternError,
  listItems,
  parsePatternFile,
  parsePatternList,
  patternMatcher,
} from '../../lambdas/core/user-selection.ts';

describe('parsePatternList', () => {
  it('splits on commas and trims', () => {
    expect(parsePatternList(' bob , svc-*,ci?-runner ')).toEqual(['bob', 'svc-*', 'ci?-runner']);
    expect(parsePatternList([' bob', 'svc-* '])).toEqual(['bob', 'svc-*']);
  });

  it.each([
    ['', "'' names nobody: give one or more names or patterns, or leave it out"],
    [' ', "' ' names nobody"],
    [',,,', "',,,' names nobody"],
    [[], '[] names nobody'],
    [[' '], '[" "] names nobody'],
    [
      'bob,',
      "'bob,' has an empty item (item 2): separate names or patterns with single commas, and check that every variable in it is set",
    ],
    ['bob,,al', "'bob,,al' has an empty item (item 2)"],
    [',bob', "',bob' has an empty item (item 1)"],
    [['bob', ''], '["bob",""] has an empty item (item 2)'],
    [['bob', 3], '["bob",3]: item 2 is not a string'],
  ])('refuses %j: an empty list or item must not widen or narrow a guard', (value, message) => {
    expect(() => parsePatternList(value)).toThrow(InvalidPatternError);
    expect(() => parsePatternList(value)).toThrow(message);
  });

  it('shows a long value shortened, keeping both ends', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    expect(() => parsePatternList([...names, ''])).toThrow(
      /^\["user-0","user-1","user-2","user-3","us…997","user-998","user-999",""\] \(10894 characters\) has an empty item \(item 1001\)/,
    );
  });

  it.each(['bob smith', 'team/alice', 'a[bc]', '!bob', 'x'.repeat(65)])('rejects %s', (bad) => {
    expect(() => parsePatternList(bad)).toThrow(InvalidPatternError);
  });

  it('accepts every character IAM allows in a user name', () => {
    expect(parsePatternList('a+b=c.d@e_f-g')).toEqual(['a+b=c.d@e_f-g']);
  });

  it('gives the items of a list of anything else unchecked as patterns (emails)', () => {
    expect(listItems('a@example.com, b@example.com')).toEqual(['a@example.com', 'b@example.com']);
  });
});

describe('parsePatternFile', () => {
  it('reads one name or pattern a line, with # comments and blank lines', () => {
    const text = '# service accounts\nsvc-*\n\n  bob.wilson   # on leave\r\nlast,first\n';
    expect(parsePatternFile(text)).toEqual(['svc-*', 'bob.wilson', 'last,first']);
  });

  it('names the bad line', () => {
    expect(() => parsePatternFile('ok\nnot ok\n')).toThrow("'not ok' is not a user name or pattern");
  });

  it.each(['', '\n\n', '# nobody yet\n  \n# still nobody'])(
    'refuses a file that names nobody: %j',
    (text) => {
      expect(() => parsePatternFile(text)).toThrow('names nobody (only blank lines or comments)');
    },
  );
});

describe('createUserSelector', () => {
  it('puts everyone in scope without include patterns', () => {
    const selector = createUserSelector({ include: [], exclude: ['svc-*'] });
    expect(selector.inScope('anyone')).toBe(true);
    expect(selector.excludedBy('svc-backup')).toBe('svc-*');
    expect(selector.excludedBy('bob')).toBeUndefined();
    expect(selector.exemptionOverride('svc-backup')).toBeUndefined();
  });

  it('narrows the run to include items; only an exact name overrides an exemption', () => {
    const selector = createUserSelector({ include: ['svc-backup', 'dev-*'], exclude: ['svc-*', 'dev-2'] });
    expect(selector.inScope('svc-backup')).toBe(true);
    expect(selector.inScope('dev-2')).toBe(true);
    expect(selector.inScope('svc-other')).toBe(false);
    expect(selector.excludedBy('svc-backup')).toBe('svc-*');
    expect(selector.exemptionOverride('svc-backup')).toBe('named by --include-users');
    expect(selector.exemptionOverride('SVC-BACKUP')).toBe('named by --include-users');
    expect(selector.excludedBy('dev-2')).toBe('dev-2');
    expect(selector.exemptionOverride('dev-2')).toBeUndefined();
  });

  it('overrides every exemption with ignoreExemptions', () => {
    const selector = createUserSelector({ include: ['dev-*'], exclude: [], ignoreExemptions: true });
    expect(selector.exemptionOverride('dev-1')).toBe('--ignore-exemptions');
    expect(selector.inScope('other')).toBe(false);
  });

  it('ignores case, as IAM does for user names', () => {
    const selector = createUserSelector({ include: [], exclude: ['SVC-*', 'Bob.Wilson'] });
    expect(selector.excludedBy('svc-backup')).toBe('SVC-*');
    expect(selector.excludedBy('bob.wilson')).toBe('Bob.Wilson');
  });

  it('treats dots and pluses literally and ? as one character', () => {
    const selector = createUserSelector({ include: [], exclude: ['a.b', 'x+y', 'ci?'] });
    expect(selector.excludedBy('aXb')).toBeUndefined();
    expect(selector.excludedBy('a.b')).toBe('a.b');
    expect(selector.excludedBy('x+y')).toBe('x+y');
    expect(selector.excludedBy('xxy')).toBeUndefined();
    expect(selector.excludedBy('ci1')).toBe('ci?');
    expect(selector.excludedBy('ci12')).toBeUndefined();
  });
});

describe('patternMatcher', () => {
  it('gives the first pattern in list order that names the user, whatever kind it is', () => {
    const match = patternMatcher(['*-bot', 'svc-*', 'svc-ci-bot', 's*', '*']);
    expect(match('svc-ci-bot')).toBe('*-bot');
    expect(match('svc-backup')).toBe('svc-*');
    expect(match('sam')).toBe('s*');
    expect(match('zed')).toBe('*');
    expect(patternMatcher(['bob', 'b*'])('BOB')).toBe('bob');
    expect(patternMatcher(['b*', 'bob'])('bob')).toBe('b*');
    expect(patternMatcher([])('bob')).toBeUndefined();
  });

  it('matches wildcards anywhere: prefix, suffix, both and neither', () => {
    const match = patternMatcher(['ci-*-runner', '*.admin', 'x*y*z', '*?*mid*']);
    expect(match('ci-12-runner')).toBe('ci-*-runner');
    expect(match('ci-runner')).toBeUndefined();
    expect(match('Jane.Admin')).toBe('*.admin');
    expect(match('xAyBz')).toBe('x*y*z');
    expect(match('xz')).toBeUndefined();
    expect(match('amidst')).toBe('*?*mid*');
    expect(match('mid')).toBeUndefined();
  });

  it('agrees with glob matching (picomatch, case-insensitive) on generated names and patterns', () => {
    const alphabet = ['a', 'b', 'A', '.', '-', '+', '@'];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (length: number, extra: string[] = []) =>
      Array.from({ length }, () => [...alphabet, ...extra][random(alphabet.length + extra.length)]).join('');
    const patterns = Array.from({ length: 300 }, () => word(1 + random(5), ['*', '?', '*']));
    const names = Array.from({ length: 300 }, () => word(1 + random(6)));
    const match = patternMatcher(patterns);
    const globs = patterns.map((pattern) => picomatch(pattern, { nocase: true, dot: true }));
    let matched = 0;
    for (const name of names) {
      const expected = patterns[globs.findIndex((glob) => glob(name))];
      if (expected !== undefined) matched += 1;
      expect([name, match(name)]).toEqual([name, expected]);
    }
    // Not a vacuous comparison: many names are matched, many are not.
    expect(matched).toBeGreaterThan(50);
    expect(matched).toBeLessThan(250);
  });

  it('takes 100,000 patterns', () => {
    const patterns = Array.from({ length: 100_000 }, (_, i) =>
      i % 10 === 0 ? `team-${i}-*` : `former-${i}`,
    );
    const match = patternMatcher(patterns);
    expect(match('FORMER-99999')).toBe('former-99999');
    expect(match('team-99990-ci')).toBe('team-99990-*');
    expect(match('bob')).toBeUndefined();
  });
});
