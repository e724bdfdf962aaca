import { lstat, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveReport } from '../../cli/report-output.ts';
import { buildMfaReport } from '../../lambdas/core/mfa-report.ts';
import { inventoryOf, NOW, userFacts } from '../support/facts.ts';

// The temporary file's name, made predictable so that a test can plant something under it.
const predictable = () => 'ab'.repeat(8);

const report = buildMfaReport(inventoryOf([userFacts('alice')]), {
  now: NOW,
  gracePeriodDays: 7,
  selection: { include: [], exclude: [] },
});

describe('saveReport', () => {
  it('never follows a link planted under the temporary name, and leaves it alone', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'awssec-save-'));
    const path = join(directory, 'report.json');
    const target = join(directory, 'elsewhere.txt');
    await writeFile(target, 'not yours');
    const planted = `${path}.${'ab'.repeat(8)}.tmp`;
    await symlink(target, planted);
    await expect(saveReport(path, report, 'json', predictable)).rejects.toThrow(/cannot write .* \(EEXIST\)/);
    expect(await readFile(target, 'utf8')).toBe('not yours');
    expect((await lstat(planted)).isSymbolicLink()).toBe(true);
    await expect(lstat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes a new file, mode 0600, through its temporary name', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'awssec-save-'));
    const path = join(directory, 'report.json');
    await saveReport(path, report, 'json');
    expect(JSON.parse(await readFile(path, 'utf8')).users[0].username).toBe('alice');
    expect((await lstat(path)).mode & 0o777).toBe(0o600);
  });
});
