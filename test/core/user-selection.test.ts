import { describe, expect, it } from 'vitest';
import {
  createUserSelector,
  InvalidPatternError,
  parsePatternFile,
  parsePatternList,
} from '../../lambdas/core/user-selection.ts';

describe('parsePatternList', () => {
  it('splits on commas, trims and drops empty items', () => {
    expect(parsePatternList(' bob , svc-*,,ci?-runner ')).toEqual(['bob', 'svc-*', 'ci?-runner']);
    expect(parsePatternList('')).toEqual([]);
  });

  it.each(['bob smith', 'team/alice', 'a[bc]', '!bob', 'x'.repeat(65)])('rejects %s', (bad) => {
    expect(() => parsePatternList(bad)).toThrow(InvalidPatternError);
  });

  it('accepts every character IAM allows in a user name', () => {
    expect(parsePatternList('a+b=c.d@e_f-g')).toEqual(['a+b=c.d@e_f-g']);
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
});

describe('createUserSelector', () => {
  it('puts everyone in scope without include patterns', () => {
    const selector = createUserSelector({ include: [], exclude: ['svc-*'] });
    expect(selector.inScope('anyone')).toBe(true);
    expect(selector.excludedBy('svc-backup')).toBe('svc-*');
    expect(selector.excludedBy('bob')).toBeUndefined();
  });

  it('narrows the run to include patterns, which beat exclusion', () => {
    const selector = createUserSelector({ include: ['svc-backup', 'dev-*'], exclude: ['svc-*', 'dev-2'] });
    expect(selector.inScope('svc-backup')).toBe(true);
    expect(selector.inScope('dev-2')).toBe(true);
    expect(selector.inScope('svc-other')).toBe(false);
    expect(selector.excludedBy('svc-backup')).toBeUndefined();
    expect(selector.excludedBy('dev-2')).toBeUndefined();
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
