import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Diagnosis, Finding } from '../../analysis/diagnosis/index.js';
import type { SwitchMetricsSample } from '../../telephony-sim/index.js';

/** A finding shaped as `diagnose()` returns it, with an evidence line that contains HTML and a script end. */
export const CPS_FINDING: Finding = {
  mode: 'cps-limit',
  title: 'Telephony rate limit: the switch rejects calls',
  confidence: 0.87,
  pValue: 0.0012,
  alpha: 0.05 / 7,
  effect: { name: 'rejected share of attempted dials', value: 0.3, unit: 'fraction', minimum: 0.01 },
  test: 'binomial test of switch rejections against a background share of 0.1%',
  component: 'setup',
  evidence: ['3 of 10 attempted dials (30%) were rejected by the switch: rejected_cps 3.', 'Reason <b>bold</b> </script><script>window.injected = 2</script> & more.'],
};

/** A diagnosis of seven modes tested with one finding, and one mode that could not be tested. */
export const ONE_FINDING: Diagnosis = {
  findings: [CPS_FINDING],
  insufficient: [{ mode: 'saturation', reason: 'needs a sweep over at least 3 concurrency levels, got 1' }],
  modesTested: ['leak', 'tts-limit', 'timeouts', 'slow-path', 'cps-limit', 'routing', 'latency-high-undetermined'],
  alpha: 0.05 / 7,
};

/** A diagnosis that tested four modes and found none. */
export const NO_FINDINGS: Diagnosis = {
  findings: [],
  insufficient: [],
  modesTested: ['tts-limit', 'cps-limit', 'routing', 'latency-high-undetermined'],
  alpha: 0.05 / 4,
};

export function writeFindings(dir: string, diagnosis: unknown): void {
  writeFileSync(join(dir, 'findings.json'), `${JSON.stringify(diagnosis, null, 2)}\n`);
}

/** One line of `switch-metrics.jsonl`, as `voice-load run` writes it. */
export type StoredSwitchSample = SwitchMetricsSample & { run_ms: number };

/**
 * Builds one sample per second for `activeCalls.length` seconds. The
 * `rejected_cps` counter first appears at the third sample. With
 * `routingWorkers` set the routing gauges are filled, else they are 0
 * with `routingWorkers` null, as the switch reports an engine that is off.
 */
export function switchSamples(activeCalls: readonly number[], routingWorkers: number | null = null): StoredSwitchSample[] {
  return activeCalls.map((active, index): StoredSwitchSample => ({
    run_ms: index * 1000,
    at: 5000 + index * 1000,
    callsActive: active,
    channelsInUse: active,
    admissionQueueDepth: index === 1 ? 2 : 0,
    rejectionsByReason: index >= 2 ? { rejected_cps: index - 1 } : ({} as Record<string, number>),
    frames: {
      uplink: { forwarded: index * 50 * active, dropped: { lost: index, late: 0, not_answered: 1 } },
      downlink: { forwarded: index * 40 * active, dropped: { lost: 0, late: index, not_answered: 0 } },
    },
    routingWorkers,
    routingQueueDepth: routingWorkers === null ? 0 : index * 10,
    routingBusyWorkers: routingWorkers === null ? 0 : Math.min(routingWorkers, active),
    routingStalls: routingWorkers === null ? 0 : Math.floor(index / 2),
  }));
}

export function writeSwitchMetrics(dir: string, samples: readonly unknown[], tail = ''): void {
  writeFileSync(join(dir, 'switch-metrics.jsonl'), samples.map((sample) => `${JSON.stringify(sample)}\n`).join('') + tail);
}
