import { binomialTest, percentile } from '../stats/index.js';
import { censoredLatency, confidenceScore, makeFinding, num, pText, percentText, valuedTurns, type Detector } from './common.js';

/**
 * High latency at a single load level, cause undetermined.
 * Signal: p90 turn latency over `p90Ms` where no sweep is available to
 * tell saturation from other causes.
 * Test: one-sided exact binomial test that the share of turns over
 * `p90Ms` (timeouts censored at the turn timeout) exceeds
 * `backgroundShare` (10%: the share a p90 at the threshold implies).
 * Effect: p90 turn latency, at least `p90Ms`.
 * `diagnose` keeps this finding only when no other mode was found.
 */
export const latencyHighDetector: Detector = {
  mode: 'latency-high-undetermined',

  insufficientReason(input, thresholds) {
    const count = valuedTurns(input.runs, censoredLatency).length;
    return count < thresholds.minTurns ? `${count} turns with a latency or timeout, fewer than ${thresholds.minTurns}` : null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.latencyHigh;
    const values = valuedTurns(input.runs, censoredLatency).map((point) => point.value);
    const p90 = percentile(values, 0.9)!;
    const over = values.filter((value) => value > limits.p90Ms).length;
    const test = binomialTest(over, values.length, limits.backgroundShare);
    if (!(p90 > limits.p90Ms && test.p < alpha)) return null;

    return makeFinding({
      mode: 'latency-high-undetermined',
      title: 'Latency high, cause undetermined: run a sweep',
      confidence: confidenceScore(test.p, alpha, p90, limits.p90Ms, []),
      pValue: test.p,
      alpha,
      effect: { name: 'p90 turn latency', value: p90, unit: 'ms', minimum: limits.p90Ms },
      test: `binomial test of the share of turns over ${limits.p90Ms} ms against ${percentText(limits.backgroundShare)}`,
      evidence: [
        `p90 turn latency is ${num(p90)} ms over ${values.length} turns (threshold ${limits.p90Ms} ms).`,
        `${over} turns (${percentText(over / values.length)}) are over ${limits.p90Ms} ms (p ${pText(test.p)}).`,
        'One load level cannot tell saturation from other causes: run a sweep of at least 3 concurrency levels, with step-down runs.',
      ],
    });
  },
};
