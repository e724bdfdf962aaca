import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { operatorPolicy } from '../lambdas/core/operator-policies.ts';
import { policyJson, requireMfaPolicy } from '../lambdas/core/policies.ts';

const README = new URL('../README.md', import.meta.url);

describe('README', () => {
  it('prints the RequireMFA policy as the policy command does', async () => {
    const text = await readFile(README, 'utf8');
    expect(text).toContain(`$ awssec iam-mfa policy\n${policyJson(requireMfaPolicy)}\n`);
  });

  it("prints enforce's operator policy as the policy command does", async () => {
    const text = await readFile(README, 'utf8');
    expect(text).toContain(
      `$ awssec iam-mfa policy --operator enforce\n${policyJson(operatorPolicy('enforce'))}\n`,
    );
  });
});
