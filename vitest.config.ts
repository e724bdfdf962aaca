import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/no-real-aws.ts'],
    pool: 'forks',
    // The files a worker runs share what they load (the SDK, aws-cdk-lib): that halves the time
    // spent importing. No test mocks a module; the cold-start tests reset the modules they load.
    isolate: false,
    // Most files wait on moto or on child processes, not on the processor: more files than cores at once.
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
