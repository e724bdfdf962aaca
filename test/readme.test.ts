import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  actionsOf,
  BULK_REPORT_PERMISSIONS,
  ENFORCE_PERMISSIONS,
  RESTORE_PERMISSIONS,
} from '../lambdas/core/permissions.ts';
import { policyJson, requireMfaPolicy } from '../lambdas/core/policies.ts';

const README = new URL('../README.md', import.meta.url);

/** The README's JSON code blocks, parsed; blocks that are excerpts (with …) are left out. */
async function jsonBlocks(): Promise<unknown[]> {
  const text = await readFile(README, 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => match[1] ?? '')
    .filter((block) => !block.includes('…'))
    .map((block) => JSON.parse(block) as unknown);
}

async function policyNamed(sid: string): Promise<unknown> {
  return (await jsonBlocks()).find((block) => JSON.stringify(block).includes(`"Sid":"${sid}"`));
}

describe('README', () => {
  it('gives report the permissions the inventory calls', async () => {
    expect(await policyNamed('AwssecIamMfaReport')).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: actionsOf(BULK_REPORT_PERMISSIONS), Resource: '*' }],
    });
  });

  it('gives enforce the permissions it calls beyond the report’s', async () => {
    const reportActions = new Set(actionsOf(BULK_REPORT_PERMISSIONS));
    expect(await policyNamed('AwssecIamMfaEnforce')).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Action: actionsOf(ENFORCE_PERMISSIONS).filter((a) => !reportActions.has(a)),
          Resource: '*',
        },
      ],
    });
  });

  it('prints the RequireMFA policy as the policy command does', async () => {
    const text = await readFile(README, 'utf8');
    expect(text).toContain(`$ awssec iam-mfa policy\n${policyJson(requireMfaPolicy)}\n`);
  });

  it('gives restore the permissions it calls', async () => {
    expect(await policyNamed('AwssecIamMfaRestore')).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: actionsOf(RESTORE_PERMISSIONS), Resource: '*' }],
    });
  });
});
