import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that synthesize stacks, spawn processes or replay faults take
 * tens of seconds each: started last, they set the suite's time. vitest
 * orders files by their last run's duration, which a fresh clone (CI) does
 * not have; there, these go first, then the rest, larger files first.
 */
const SLOW_FIRST = [
  /test\/infra\//,
  /test\/faults\//,
  /test\/handlers\//,
  /test\/cli\/(bin|enforce|restore)/,
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const slow = (file: TestSpecification) => SLOW_FIRST.some((pattern) => pattern.test(file.moduleId));
    return [...sorted.filter(slow), ...sorted.filter((file) => !slow(file))];
  }
}

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
    sequence: { sequencer: SlowFirstSequencer },
  },
});
