import type { MetricsSink } from '../../lambdas/handler-support.ts';

/** A metrics sink that keeps what a handler added, and counts how often it flushed them. */
export function recordingMetrics() {
  const added: { name: string; unit: string; value: number }[] = [];
  let flushes = 0;
  const sink: MetricsSink = {
    addMetric: (name, unit, value) => added.push({ name, unit, value }),
    publishStoredMetrics: () => {
      flushes += 1;
    },
  };
  return { sink, added, flushes: () => flushes };
}
