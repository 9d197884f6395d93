import { ols, percentile, spearman } from '../stats/index.js';
import { censoredLatency, censoredResponse, confidenceScore, loadRuns, makeFinding, num, pText, valuedTurns, type Detector } from './common.js';
import { recoveryPairs } from './recovery.js';

/**
 * Agent backend saturation.
 * Signal: across a sweep, per-turn agent response grows with the calls in
 * progress and recovers when load steps down.
 * Test: Spearman rho of agent response (timeouts censored at the turn
 * timeout) against active calls, pooled over every run, p < alpha, with a
 * positive OLS slope.
 * Effect: p90 turn latency of the highest-concurrency run over the
 * baseline's (the `baseline` run, else the lowest concurrency), at least
 * `minP90Ratio`.
 * Recovery: each step-down run's median within `maxRecoveryRatio` of the
 * step-up run at its level; a sweep without step-down runs is reported as
 * unchecked.
 * MDE: not measured yet; unit is the mock's stage slots at a given load.
 */
export const saturationDetector: Detector = {
  mode: 'saturation',

  insufficientReason(input, thresholds) {
    const levels = new Set(loadRuns(input).map((run) => run.concurrency)).size;
    if (levels < thresholds.saturation.minConcurrencyLevels) {
      return `needs a sweep over at least ${thresholds.saturation.minConcurrencyLevels} concurrency levels, got ${levels}; a single load level cannot separate saturation from other causes`;
    }
    if (valuedTurns(input.runs, censoredResponse).length < thresholds.minTurns) return `fewer than ${thresholds.minTurns} turns with a latency or timeout`;
    return null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.saturation;
    const points = valuedTurns(input.runs, censoredResponse);
    const active = points.map((point) => point.turn.activeCalls);
    const response = points.map((point) => point.value);
    const correlation = spearman(active, response);
    const line = ols(active, response);
    if (correlation === null || line === null) return null;

    const runs = loadRuns(input);
    const baseline = runs.find((run) => run.phase === 'baseline') ?? [...runs].sort((a, b) => a.concurrency - b.concurrency)[0]!;
    const peak = [...runs].sort((a, b) => b.concurrency - a.concurrency)[0]!;
    const p90 = (run: typeof baseline) => percentile(run.turns.map((turn) => censoredLatency(turn, run)).filter((v): v is number => v !== null), 0.9);
    const baselineP90 = p90(baseline);
    const peakP90 = p90(peak);
    if (baselineP90 === null || peakP90 === null || baselineP90 <= 0) return null;
    const ratio = peakP90 / baselineP90;

    const pairs = recoveryPairs(input);
    const recovered = pairs.every((pair) => pair.ratio <= limits.maxRecoveryRatio);
    const fired = correlation.rho > 0 && correlation.p < alpha && line.slope > 0 && ratio >= limits.minP90Ratio && recovered;
    if (!fired) return null;

    const evidence = [
      `Agent response rises with active calls: Spearman rho ${num(correlation.rho)} over ${correlation.n} turns (p ${pText(correlation.p)}), OLS slope ${num(line.slope)} ms per active call.`,
      `p90 turn latency is ${num(peakP90)} ms at ${peak.concurrency} calls against ${num(baselineP90)} ms at ${baseline.concurrency} (baseline), ${num(ratio)}x (threshold ${limits.minP90Ratio}x).`,
      pairs.length === 0
        ? 'Recovery on step-down not checked: the sweep has no step-down runs.'
        : `Latency recovers on step-down: ${pairs.map((pair) => `${pair.down.concurrency} calls ${num(pair.ratio)}x of the step-up run`).join(', ')} (limit ${limits.maxRecoveryRatio}x).`,
    ];
    return makeFinding({
      mode: 'saturation',
      title: 'Agent backend saturation: latency grows with concurrent calls',
      confidence: confidenceScore(correlation.p, alpha, ratio, limits.minP90Ratio, [pairs.length > 0]),
      pValue: correlation.p,
      alpha,
      effect: { name: 'p90 latency, highest level over baseline', value: ratio, unit: 'x', minimum: limits.minP90Ratio },
      test: 'Spearman rank correlation of agent response with active calls',
      component: 'agent_response',
      evidence,
    });
  },
};
