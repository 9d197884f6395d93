import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Samples this thread's event-loop delay until `stop()`, which returns its p99 in ms. */
export function startEventLoopMonitor(resolutionMs = 10): { stop(): { p99Ms: number } } {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      // The histogram counts in ns and includes the sampling interval itself.
      const p99Ms = Math.max(0, histogram.percentile(99) / 1e6 - resolutionMs);
      return { p99Ms: Math.round(p99Ms * 100) / 100 };
    },
  };
}
