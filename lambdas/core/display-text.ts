/**
 * Values that come from AWS or from an event (tag values, reasons built from
 * them, serials, ARNs, error texts, a request's user agent) are untrusted:
 * shown as they are, an escape sequence could recolour or rewrite a terminal,
 * and a line break could forge a line of a table or a mail. These helpers make
 * one value safe to show; the renderers apply them to the values, never to
 * their own text, so their own line breaks and colours stay.
 */

// ESC sequences, whole: CSI (ESC [ … final byte), OSC/DCS/SOS/PM/APC strings (up to BEL or ST),
// and two-character ones (ESC and one more). The 8-bit CSI (U+009B) with its parameters too.
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
  /\u001b\[[\u0020-\u003f]*[\u0040-\u007e]?|\u001b[\]P^_X][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u009b[\u0020-\u003f]*[\u0040-\u007e]?|\u001b[\u0020-\u007e]?/g;

// Line and column breaks: a value stays on its line.
const BREAK = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

// The rest of C0 and C1, DEL, and the invisible characters that reorder or hide text
// (bidirectional overrides and isolates, zero-width characters, the byte-order mark).
const INVISIBLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
  /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** One untrusted value made safe to show on one line: escape sequences and control characters removed, breaks turned into spaces. */
export function displayText(value: string): string {
  return value.replace(ESCAPE_SEQUENCE, '').replace(BREAK, ' ').replace(INVISIBLE, '');
}

/**
 * A copy of a plain data value (a report, a run, an alert) with every string
 * in it made safe to show, and cut to `maxLength` characters when given.
 */
export function displaySafe<T>(value: T, maxLength?: number): T {
  if (typeof value === 'string') {
    const safe = displayText(value);
    return (maxLength === undefined ? safe : truncateText(safe, maxLength)) as T;
  }
  if (Array.isArray(value)) return value.map((item) => displaySafe(item, maxLength)) as T;
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, displaySafe(item, maxLength)]),
    ) as T;
  }
  return value;
}

/** At most `max` characters of a value, with a visible marker saying how long it was. */
export function truncateText(value: string, max: number): string {
  const characters = [...value];
  if (characters.length <= max) return value;
  return `${characters.slice(0, max).join('')}… [cut: ${characters.length} characters in all]`;
}

/** At most `maxBytes` bytes of UTF-8 text, cut at a character boundary with a visible marker. */
export function boundBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const marker = `\n… [cut: the text was ${Buffer.byteLength(text, 'utf8')} bytes]`;
  const kept = Buffer.from(text, 'utf8')
    .subarray(0, Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8')))
    .toString('utf8')
    .replace(/\ufffd+$/, '');
  return `${kept}${marker}`;
}
