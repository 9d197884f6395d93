import { mannWhitneyU } from '../mann-whitney.js';
import { bimodalityPValue, componentBoundary, fitBimodality, medianOf, proportionsHomogeneity } from '../stats/index.js';
import { censoredLatency, confidenceScore, makeFinding, num, pText, percentText, type Detector } from './common.js';
import type { CallPoint, DiagnosisInput, RunData } from './input.js';

/** A started call's log mean latency less its run's median of that, so load levels of a sweep line up. */
interface CallValue {
  call: CallPoint;
  run: RunData;
  value: number;
  runCentre: number;
}

/**
 * Tail slow path.
 * Signal: a fixed share of calls slow on every turn, so per-call mean
 * latency is bimodal with a minority slow component, the same share at
 * every load.
 * Test: likelihood ratio of 2 against 1 Gaussian components of log
 * per-call mean latency (centred on each run's median), with a p-value
 * from a parametric bootstrap of the single Gaussian, p < alpha.
 * Effect: ratio of the slow component's median to the fast one's, at
 * least `minSeparationRatio`.
 * Other conditions: the slow component's weight within
 * [`minShare`, `maxShare`]; the slow calls' turns are slow on at least
 * `minConsistencyShare` of turns; across runs, the slow share passes a
 * chi-square homogeneity test (p >= `minHomogeneityP`).
 * MDE: not measured yet; units are the share of slow calls and their extra ms.
 */
export const slowPathDetector: Detector = {
  mode: 'slow-path',

  insufficientReason(input, thresholds) {
    const count = callValues(input).length;
    return count < thresholds.minCalls ? `${count} started calls with a mean latency, fewer than ${thresholds.minCalls}` : null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.slowPath;
    const values = callValues(input);
    // The conditions that need no bootstrap are checked first, since all must hold.
    const test = fitBimodality(values.map((entry) => entry.value));
    if (test === null) return null;

    const slowShare = test.two.weights[1]!;
    const separation = Math.exp(test.two.means[1]! - test.two.means[0]!);
    if (slowShare < limits.minShare || slowShare > limits.maxShare || separation < limits.minSeparationRatio) return null;

    // Turns are classified against the same boundary as calls, on the same centred log scale.
    const boundary = componentBoundary(test.two);
    const slowCalls = values.filter((entry) => entry.value > boundary);
    const slowTurnShares = slowCalls.map((entry) => shareOfSlowTurns(entry, boundary)).filter((share): share is number => share !== null);
    const consistency = medianOf(slowTurnShares) ?? 0;
    if (consistency < limits.minConsistencyShare) return null;

    const byRun = input.runs.map((run) => {
      const ofRun = values.filter((entry) => entry.run === run);
      return { run, successes: ofRun.filter((entry) => entry.value > boundary).length, trials: ofRun.length };
    });
    const homogeneity = proportionsHomogeneity(byRun);
    if (homogeneity !== null && homogeneity.p < limits.minHomogeneityP) return null;

    // A slow path picks calls at random; calls slowed by congestion or a leak
    // are bunched in time, which a rank test of their dial times shows.
    const timeSpread = dialTimeSpread(values, boundary);
    if (timeSpread !== null && timeSpread.p < limits.minTimeSpreadP) return null;

    const bootstrap = bimodalityPValue(test, { seed: `${thresholds.seed}:slow-path`, replicates: limits.bootstrapReplicates });
    if (bootstrap.p >= alpha) return null;

    const evidence = [
      `Per-call mean latency has two components: ${percentText(slowShare)} of calls ${num(separation)}x slower than the rest (likelihood ratio ${num(test.likelihoodRatio)}, bootstrap p ${pText(bootstrap.p)} from ${bootstrap.replicates} replicates).`,
      `${slowCalls.length} of ${values.length} calls are in the slow component; their median share of slow turns is ${percentText(consistency)} (threshold ${percentText(limits.minConsistencyShare)}).`,
    ];
    if (timeSpread !== null) evidence.push(`Slow calls are spread over the run like the others: Mann-Whitney U on dial times within each run, p ${pText(timeSpread.p)} (threshold ${pText(limits.minTimeSpreadP)}).`);
    if (homogeneity !== null) {
      evidence.push(`The slow share is the same at every load: ${byRun.filter((r) => r.trials > 0).map((r) => `${r.run.concurrency} calls ${percentText(r.successes / r.trials)}`).join(', ')} (chi-square p ${pText(homogeneity.p)}).`);
    }
    return makeFinding({
      mode: 'slow-path',
      title: 'Tail slow path: a fixed share of calls slow on every turn',
      confidence: confidenceScore(bootstrap.p, alpha, separation, limits.minSeparationRatio, [homogeneity !== null]),
      pValue: bootstrap.p,
      alpha,
      effect: { name: 'slow component median over fast component median', value: separation, unit: 'x', minimum: limits.minSeparationRatio },
      test: 'likelihood-ratio test of 2 against 1 Gaussian components of log per-call latency, parametric bootstrap',
      component: 'agent_response',
      evidence,
    });
  },
};

/** Rank test of the slow calls' dial times against the others', on times centred per run. */
function dialTimeSpread(values: readonly CallValue[], boundary: number): { p: number } | null {
  const centred = values.map((entry) => {
    const times = entry.run.calls.map((call) => call.dialedAtMs);
    return { slow: entry.value > boundary, time: entry.call.dialedAtMs - (medianOf(times) ?? 0) };
  });
  const result = mannWhitneyU(centred.filter((entry) => entry.slow).map((entry) => entry.time), centred.filter((entry) => !entry.slow).map((entry) => entry.time));
  return result === null ? null : { p: result.p };
}

function callValues(input: DiagnosisInput): CallValue[] {
  const out: CallValue[] = [];
  for (const run of input.runs) {
    const calls = run.calls.filter((call) => call.startFailure === null && call.avgLatencyMs !== null && call.avgLatencyMs > 0);
    const logs = calls.map((call) => Math.log(call.avgLatencyMs!));
    const runCentre = medianOf(logs);
    if (runCentre === null) continue;
    calls.forEach((call, i) => out.push({ call, run, value: logs[i]! - runCentre, runCentre }));
  }
  return out;
}

/** Share of a call's turns whose log latency, centred like the call's mean, lies above the boundary; null without turns. */
function shareOfSlowTurns(entry: CallValue, boundary: number): number | null {
  const latencies = entry.run.turns
    .filter((turn) => turn.callId === entry.call.callId)
    .map((turn) => censoredLatency(turn, entry.run))
    .filter((value): value is number => value !== null && value > 0);
  if (latencies.length === 0) return null;
  return latencies.filter((value) => Math.log(value) - entry.runCentre > boundary).length / latencies.length;
}
