import Table from 'cli-table3';
import type { Style } from './terminal.ts';

/** cli-table3 border characters for a table without a line between rows. */
export const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A boxed table; compact (no line between rows) unless rows span several lines. */
export function table(
  style: Style,
  options: ConstructorParameters<typeof Table>[0] = {},
  compact = true,
): Table.Table {
  return new Table({
    ...(compact ? { chars: COMPACT } : {}),
    ...options,
    // cli-table3 colours headers and borders by default; only a fancy terminal gets colour.
    style: { head: style.fancy ? ['bold'] : [], border: style.fancy ? ['grey'] : [], 'padding-left': 1 },
  });
}

export function title(text: string, style: Style): string {
  return style.colors.bold(text.toUpperCase());
}

/** Lists longer than this are summarised in a header box; the JSON output keeps them whole. */
const HEADER_LIST_MAX = 10;
const HEADER_LIST_SHOWN = 3;

/**
 * `svc-*, bob`, or for a long list `100000 names or patterns (alice, bob,
 * carol, … ; all of them in --output json)`: a header stays a few lines, and
 * a table cell of 100,000 names would take cli-table3 minutes to lay out.
 */
export function headerList(items: readonly string[]): string {
  if (items.length <= HEADER_LIST_MAX) return items.join(', ');
  return `${items.length} names or patterns (${items.slice(0, HEADER_LIST_SHOWN).join(', ')}, … ; all of them in --output json)`;
}
