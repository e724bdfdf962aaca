import { describe, expect, it } from 'vitest';
import { boundBytes, displaySafe, displayText, truncateText } from '../../lambdas/core/display-text.ts';

const ESC = '\u001b';

describe('displayText', () => {
  it.each([
    ['CSI (colour, clear screen, cursor moves)', `a${ESC}[31mred${ESC}[0m${ESC}[2J${ESC}[10;5H!`, 'ared!'],
    [
      'OSC ended by BEL or ST (window title, hyperlink)',
      `a${ESC}]0;title\u0007b${ESC}]8;;http://x${ESC}\\c`,
      'abc',
    ],
    ['8-bit CSI', 'a\u009b31mb', 'ab'],
    ['a lone ESC and two-character sequences', `a${ESC}cb${ESC}`, 'ab'],
    ['line breaks and tabs, each to a space', 'a\r\nb\nc\td\u2028e', 'a  b c d e'],
    ['other C0 and C1 controls, DEL', 'a\u0000\u0007\u0008\u007f\u0085\u0090b', 'a b'],
    ['bidirectional overrides and zero-width characters', 'a\u202eb\u2066c\u200bd\ufeff', 'abcd'],
  ])('removes %s', (_, value, shown) => {
    expect(displayText(value)).toBe(shown);
  });

  it('keeps printable text of any script as it is', () => {
    const text = 'Zoë 山田 — “quoted” émoji 🔐 svc-backup@example.com';
    expect(displayText(text)).toBe(text);
  });
});

describe('displaySafe', () => {
  it('cleans every string of a plain value, deeply, and leaves numbers, booleans, null and dates alone', () => {
    const when = new Date('2026-11-20T00:00:00Z');
    expect(
      displaySafe({ a: `x${ESC}[2J`, list: ['y\nz', 3], nested: { ok: true, none: null, when } }),
    ).toEqual({ a: 'x', list: ['y z', 3], nested: { ok: true, none: null, when } });
  });

  it('cuts each string to a length when asked, with a marker', () => {
    expect(displaySafe({ a: 'abcdef', b: 'ab' }, 3)).toEqual({
      a: 'abc… [cut: 6 characters in all]',
      b: 'ab',
    });
  });
});

describe('truncateText and boundBytes', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(truncateText('🔐🔐🔐', 2)).toBe('🔐🔐… [cut: 3 characters in all]');
    expect(truncateText('🔐🔐', 2)).toBe('🔐🔐');
  });

  it('bounds UTF-8 bytes, cutting at a character boundary, with a marker', () => {
    const text = 'é'.repeat(1000); // 2,000 bytes
    const bounded = boundBytes(text, 500);
    expect(Buffer.byteLength(bounded, 'utf8')).toBeLessThanOrEqual(500);
    expect(bounded).toMatch(/^é+\n… \[cut: the text was 2000 bytes\]$/);
    expect(boundBytes('short', 500)).toBe('short');
  });
});
