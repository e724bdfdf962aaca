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
