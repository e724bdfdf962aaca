import { randomBytes } from 'node:crypto';
import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { MfaReport } from '../lambdas/core/mfa-report.ts';
import { reportToCsv } from '../lambdas/core/report-csv.ts';
import { renderReportTable } from './render-table.ts';
import { PLAIN_STYLE, type Style } from './terminal.ts';
import { UsageError } from './usage-error.ts';

export const REPORT_FORMATS = ['table', 'json', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A command's result in the chosen format: JSON as the object is, CSV and table by its renderers. */
export function formatResult<T>(
  result: T,
  format: ReportFormat,
  style: Style,
  render: { readonly csv: (result: T) => string; readonly table: (result: T, style: Style) => string },
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'csv':
      return render.csv(result);
    case 'table':
      return render.table(result, style);
  }
}

export function formatReport(report: MfaReport, format: ReportFormat, style: Style): string {
  return formatResult(report, format, style, { csv: reportToCsv, table: renderReportTable });
}

/** `.json` and `.csv` files get that format; any other name gets the `--output` format. */
export function saveFormat(path: string, output: ReportFormat): ReportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  return output;
}

/** Fails before the run, not after it, when the report could not be saved. */
export async function checkSavePath(path: string): Promise<void> {
  const directory = dirname(resolve(path));
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(
      `--save-report: the directory ${directory} does not exist; create it or choose another path`,
    );
  }
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) {
    throw new UsageError(
      `--save-report: ${path} is a directory; give a file name such as ${path}/mfa-report.json`,
    );
  }
}

/** Writes the report beside its destination, then renames it: a reader never sees half a file. */
export async function saveReport(path: string, report: MfaReport, format: ReportFormat): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, formatReport(report, format, PLAIN_STYLE), { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}
