import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('npm run demo', () => {
  it('prints the sample account’s report and stops moto', async () => {
    // The demo's own script, as `npm run demo` runs it, with an environment that names no AWS account.
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/run-demo.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_PROFILE: 'must-not-be-used' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('$ awssec iam-mfa report --exclude-users svc-*');
    expect(code).toBe(0);
    expect(stdout).toMatch(/│ bob\.wilson\s+│ none\s+│ yes\s+│\s+0 │ never\s+│ non-compliant · HIGH/);
    expect(stdout).toMatch(/│ svc-backup\s+│ none\s+│ no\s+│\s+1 │ \d{4}-\d\d-\d\d\s+│ exempted · HIGH/);
    expect(stdout).toContain('RECOMMENDATIONS');
  });
});
