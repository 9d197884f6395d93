import { binomialTest, mannWhitneyU, spearman, trailingCounts } from '../stats/index.js';
import { censoredResponse, confidenceScore, makeFinding, num, pText, percentText, valuedTurns, type Detector } from './common.js';
import type { DiagnosisInput } from './input.js';

/** Switch rejection reasons that a telephony limit produces. */
export const TELEPHONY_LIMIT_REASONS: readonly string[] = Object.freeze(['rejected_cps', 'rejected_busy']);

/**
 * Telephony rate limit.
 * Signal: start failures with switch rejection reasons, tracking calls per
 * second, while started calls' latency stays flat.
 * Test: one-sided exact binomial test that rejections (`rejected_cps`,
 * `rejected_busy`) per attempted dial exceed `backgroundRejectionShare`.
 * Effect: rejected share of attempted dials, at least `minRejectionShare`.
 * Supporting: Mann-Whitney U of the dial rate (attempted dials in the
 * trailing `rateWindowMs`) at rejected against started calls; Spearman rho
 * of started calls' agent response against active calls, which should be
 * flat.
 * MDE: not measured yet; unit is dials per second over the CPS limit.
 */
export const cpsLimitDetector: Detector = {
  mode: 'cps-limit',

  insufficientReason(input, thresholds) {
    const dials = attemptedDials(input);
    return dials < thresholds.minCalls ? `${dials} attempted dials, fewer than ${thresholds.minCalls}` : null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.cpsLimit;
    const dials = attemptedDials(input);
    const byReason = new Map<string, number>();
    for (const run of input.runs) {
      for (const reason of TELEPHONY_LIMIT_REASONS) byReason.set(reason, (byReason.get(reason) ?? 0) + (run.rejections[reason] ?? 0));
    }
    const rejected = [...byReason.values()].reduce((sum, count) => sum + count, 0);
    const share = rejected / dials;
    const test = binomialTest(rejected, dials, limits.backgroundRejectionShare);
    if (!(test.p < alpha && share >= limits.minRejectionShare)) return null;

    const rate = dialRateComparison(input, limits.rateWindowMs);
    const points = valuedTurns(input.runs, censoredResponse);
    const flatness = spearman(points.map((p) => p.turn.activeCalls), points.map((p) => p.value));
    const tracksRate = rate !== null && rate.z > 0 && rate.p < alpha;
    const latencyFlat = flatness === null || !(flatness.rho > 0 && flatness.p < alpha);

    const evidence = [
      `${rejected} of ${dials} attempted dials (${percentText(share)}) were rejected by the switch: ${[...byReason].filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`).join(', ')} (binomial p ${pText(test.p)}).`,
      rate === null
        ? 'Dial rate at rejected calls not compared: no rejected calls with dial times.'
        : `Rejected calls were dialled at ${num(rate.rejectedRate)} dials/s against ${num(rate.startedRate)} for started calls (median, trailing ${num(limits.rateWindowMs / 1000)} s; Mann-Whitney p ${pText(rate.p)}).`,
      flatness === null
        ? 'Started calls have too few turns to check their latency against load.'
        : latencyFlat
          ? `Started calls' agent response stays flat with load (Spearman rho ${num(flatness.rho)}, p ${pText(flatness.p)}).`
          : `Started calls' agent response also rises with load (Spearman rho ${num(flatness.rho)}, p ${pText(flatness.p)}): the agent may saturate as well.`,
    ];
    return makeFinding({
      mode: 'cps-limit',
      title: 'Telephony rate limit: the switch rejects calls',
      confidence: confidenceScore(test.p, alpha, share, limits.minRejectionShare, [tracksRate, latencyFlat]),
      pValue: test.p,
      alpha,
      effect: { name: 'rejected share of attempted dials', value: share, unit: 'fraction', minimum: limits.minRejectionShare },
      test: `binomial test of switch rejections against a background share of ${percentText(limits.backgroundRejectionShare)}`,
      component: 'setup',
      evidence,
    });
  },
};

function attemptedDials(input: DiagnosisInput): number {
  return input.runs.reduce((sum, run) => sum + Math.max(run.dialTimesMs.length, run.calls.length), 0);
}

/** Median trailing dial rate at rejected and at started calls, and the Mann-Whitney U test between them. */
function dialRateComparison(input: DiagnosisInput, windowMs: number): { rejectedRate: number; startedRate: number; z: number; p: number } | null {
  const rejected: number[] = [];
  const started: number[] = [];
  for (const run of input.runs) {
    const dials = (run.dialTimesMs.length > 0 ? [...run.dialTimesMs] : run.calls.map((call) => call.dialedAtMs)).sort((a, b) => a - b);
    const rates = trailingCounts(dials, run.calls.map((call) => call.dialedAtMs), windowMs).map((count) => count / (windowMs / 1000));
    run.calls.forEach((call, i) => {
      if (call.startFailure !== null && TELEPHONY_LIMIT_REASONS.includes(call.startFailure)) rejected.push(rates[i]!);
      else if (call.startFailure === null) started.push(rates[i]!);
    });
  }
  const test = mannWhitneyU(rejected, started);
  if (test === null) return null;
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  // One-sided against rejected calls being dialled at higher rates: halve the two-sided p when z points that way.
  return { rejectedRate: median(rejected), startedRate: median(started), z: test.z, p: test.z > 0 ? test.p / 2 : 1 - test.p / 2 };
}
