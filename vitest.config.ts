import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/no-real-aws.ts'],
    pool: 'forks',
    // Most files wait on moto or on child processes, not on the processor: more files than cores at once.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
