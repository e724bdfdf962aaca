import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { actionsOf, BULK_REPORT_PERMISSIONS } from '../lambdas/core/permissions.ts';

const README = new URL('../README.md', import.meta.url);

/** The README's JSON code blocks, parsed; blocks that are excerpts (with …) are left out. */
async function jsonBlocks(): Promise<unknown[]> {
  const text = await readFile(README, 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((block) => !block.includes('…'))
    .map((block) => JSON.parse(block) as unknown);
}

describe('README', () => {
  it('gives report the permissions the inventory calls', async () => {
    const policy = (await jsonBlocks()).find((block) => JSON.stringify(block).includes('AwssecIamMfaReport'));
    expect(policy).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: actionsOf(BULK_REPORT_PERMISSIONS), Resource: '*' }],
    });
  });
});
