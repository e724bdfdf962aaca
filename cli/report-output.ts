import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { MfaReport } from '../lambdas/core/mfa-report.ts';
import type { OrgMfaReport } from '../lambdas/core/org-report.ts';
import { orgReportToCsv, reportToCsv } from '../lambdas/core/report-csv.ts';
import type { ReportFormat } from './choices.ts';
import { renderOrgReportTable } from './render-org-table.ts';
import { renderReportTable } from './render-table.ts';
import { PLAIN_STYLE, type Style } from './terminal.ts';
import { UsageError } from './usage-error.ts';

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

/** An account's report, or an organization's (`--org`). */
export function formatReport(report: MfaReport | OrgMfaReport, format: ReportFormat, style: Style): string {
  return 'accounts' in report
    ? formatResult(report, format, style, { csv: orgReportToCsv, table: renderOrgReportTable })
    : formatResult(report, format, style, { csv: reportToCsv, table: renderReportTable });
}

/** `.json` and `.csv` files get that format; any other name gets the `--output` format. */
export function saveFormat(path: string, output: ReportFormat): ReportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  return output;
}

/** What a path that is not a regular file is, for the message. */
function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Refuses a path that exists and is not a regular file. The save replaces the
 * file by a rename, which would replace a symbolic link, a device or a pipe
 * with a regular file (and never follow the link): so only a regular file, or
 * nothing, may be there. lstat: a link is judged as a link, not as its target.
 */
async function refuseNonRegularFile(path: string): Promise<void> {
  const target = await lstat(path).catch(() => undefined);
  if (target === undefined || target.isFile()) return;
  if (target.isDirectory()) {
    throw new UsageError(
      `--save-report: ${path} is a directory; give a file name such as ${join(path, 'mfa-report.json')}`,
    );
  }
  throw new UsageError(
    `--save-report: ${path} is ${kindOf(target)}, not a regular file; give the path of a regular file or of a new one`,
  );
}

/** Fails before the run, not after it, when the report could not be saved. */
export async function checkSavePath(path: string): Promise<void> {
  const directory = dirname(resolve(path));
  const info = await stat(directory).catch(() => undefined);
  if (info === undefined) {
    throw new UsageError(
      `--save-report: the directory ${directory} does not exist; create it or choose another path`,
    );
  }
  if (!info.isDirectory()) {
    throw new UsageError(`--save-report: ${directory} is a file, not a directory; choose another path`);
  }
  await refuseNonRegularFile(path);
}

/**
 * Writes the report beside its destination, then renames it: a reader never
 * sees half a file. The temporary file is created exclusively (a link planted
 * under its name is never followed), and the destination is checked again
 * right before the rename, since it may have changed during the run.
 */
export async function saveReport(
  path: string,
  report: MfaReport | OrgMfaReport,
  format: ReportFormat,
  // The temporary name's random part: a test fixes it to plant something under it.
  randomPart: () => string = () => randomBytes(8).toString('hex'),
): Promise<void> {
  const temporary = `${path}.${randomPart()}.tmp`;
  try {
    // Fails if the name exists, and leaves whatever is there alone.
    await writeFile(temporary, formatReport(report, format, PLAIN_STYLE), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(temporary).catch(() => {});
    throw cannotSave(path, error);
  }
  try {
    await refuseNonRegularFile(path);
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error instanceof UsageError ? error : cannotSave(path, error);
  }
}

/** The report was made but could not be written: named by the option and the user's path, never the temporary file's. */
export class SaveReportError extends Error {
  override readonly name = 'SaveReportError';
}

function cannotSave(path: string, error: unknown): SaveReportError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new SaveReportError(
    `--save-report: cannot write ${path} (${code}); the report was printed but not saved: choose a path in a directory you can write to`,
  );
}
