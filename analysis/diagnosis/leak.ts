import { medianOf, ols, seasonalKendall, seasonalSenSlope, spearman, windowedMedians, type WindowMedian } from '../stats/index.js';
import { censoredResponse, confidenceScore, makeFinding, num, pText, type Detector } from './common.js';
import type { DiagnosisInput, RunData } from './input.js';
import type { DiagnosisThresholds } from './thresholds.js';
import { recoveryPairs } from './recovery.js';

const MS_PER_MINUTE = 60_000;

/** A run's steady window: residual agent response of its turns and their windowed medians over time. */
interface SteadySeries {
  run: RunData;
  windows: WindowMedian[];
  /** Turns' call order within the run (0 = first dialled) and residual, for the call-order check. */
  callOrder: number[];
  residuals: number[];
}

/**
 * Memory or queue leak.
 * Signal: in the steady window (turns whose active calls are within
 * `steadyBandShare` of the run's median), agent response keeps drifting up
 * after the effect of active calls is removed, and does not recover when
 * load steps down.
 * Test: agent response (timeouts censored) is regressed on active calls by
 * OLS per run; the residuals' medians in consecutive time windows of about
 * `turnsPerWindow` turns go into a one-sided seasonal Kendall test with
 * one series per run (plain Mann-Kendall for one run), p < alpha.
 * Effect: seasonal Theil-Sen slope of the window medians, at least
 * `minSlopeMsPerMinute`.
 * Other conditions: Spearman rho of call order against residuals is at
 * least `minCallOrderRho`, so latency that only follows concurrency does
 * not fire. On a sweep with step-down runs, their median stays above
 * `maxRecoveryRatio` times the step-up run's at the same level.
 * MDE: not measured yet; unit is ms of drift per call handled.
 */
export const leakDetector: Detector = {
  mode: 'leak',

  insufficientReason(input, thresholds) {
    const usable = steadySeries(input, thresholds).filter((series) => series.windows.length >= thresholds.leak.minWindows);
    if (usable.length === 0) {
      return `no run has ${thresholds.leak.minWindows} time windows of ${thresholds.leak.turnsPerWindow} steady-window turns`;
    }
    return null;
  },

  detect(input, { alpha, thresholds }) {
    const limits = thresholds.leak;
    const series = steadySeries(input, thresholds).filter((runSeries) => runSeries.windows.length >= limits.minWindows);
    const trend = seasonalKendall(series.map((runSeries) => runSeries.windows.map((window) => window.median)));
    const slope = seasonalSenSlope(series.map((runSeries) => ({ x: runSeries.windows.map((w) => w.centerMs / MS_PER_MINUTE), y: runSeries.windows.map((w) => w.median) })));
    const order = spearman(series.flatMap((runSeries) => runSeries.callOrder), series.flatMap((runSeries) => runSeries.residuals));
    if (trend === null || slope === null) return null;

    const pairs = recoveryPairs(input);
    const recovered = pairs.length > 0 && pairs.every((pair) => pair.ratio <= limits.maxRecoveryRatio);
    const rho = order?.rho ?? 0;
    const fired = trend.pIncreasing < alpha && slope >= limits.minSlopeMsPerMinute && rho >= limits.minCallOrderRho && !recovered;
    if (!fired) return null;

    const windowCount = series.reduce((sum, runSeries) => sum + runSeries.windows.length, 0);
    return makeFinding({
      mode: 'leak',
      title: 'Memory or queue leak: latency drifts up at steady load',
      confidence: confidenceScore(trend.pIncreasing, alpha, slope, limits.minSlopeMsPerMinute, [pairs.length > 0]),
      pValue: trend.pIncreasing,
      alpha,
      effect: { name: 'drift of agent response at steady load (Theil-Sen)', value: slope, unit: 'ms/min', minimum: limits.minSlopeMsPerMinute },
      test: 'one-sided seasonal Kendall trend test of windowed median residuals',
      component: 'agent_response',
      evidence: [
        `In the steady window, after removing the effect of active calls, median agent response rises ${num(slope)} ms per minute (threshold ${limits.minSlopeMsPerMinute}).`,
        `Kendall S ${trend.s} over ${windowCount} windows in ${trend.seriesUsed} run(s), p ${pText(trend.pIncreasing)}.`,
        `Later calls are slower: Spearman rho of call order against residual ${num(rho)} (threshold ${limits.minCallOrderRho}).`,
        pairs.length === 0
          ? 'Recovery on step-down not checked: no step-down runs.'
          : `No recovery on step-down: ${pairs.map((pair) => `${pair.down.concurrency} calls ${num(pair.ratio)}x of the step-up run`).join(', ')}.`,
      ],
    });
  },
};

function steadySeries(input: DiagnosisInput, thresholds: Readonly<DiagnosisThresholds>): SteadySeries[] {
  const limits = thresholds.leak;
  const out: SteadySeries[] = [];
  for (const run of input.runs) {
    const medianActive = medianOf(run.turns.map((turn) => turn.activeCalls));
    if (medianActive === null) continue;
    const band = limits.steadyBandShare * medianActive;
    const steady = run.turns
      .filter((turn) => Math.abs(turn.activeCalls - medianActive) <= band)
      .map((turn) => ({ turn, value: censoredResponse(turn, run) }))
      .filter((point): point is { turn: typeof point.turn; value: number } => point.value !== null);
    if (steady.length < limits.turnsPerWindow * limits.minWindows) continue;

    // Within the band active calls still vary a little; OLS removes their effect, and a constant band has none to remove.
    const fit = ols(steady.map((point) => point.turn.activeCalls), steady.map((point) => point.value));
    const centre = medianOf(steady.map((point) => point.value))!;
    const residuals = fit?.residuals ?? steady.map((point) => point.value - centre);

    const times = steady.map((point) => point.turn.atMs);
    const startMs = Math.min(...times);
    const endMs = Math.max(...times) + 1;
    const windowCount = Math.min(limits.maxWindows, Math.floor(steady.length / limits.turnsPerWindow));
    const windows = windowedMedians(
      steady.map((point, i) => ({ atMs: point.turn.atMs, value: residuals[i]! })),
      (endMs - startMs) / windowCount,
      { startMs, endMs, minCount: Math.max(3, Math.floor(limits.turnsPerWindow / 2)) },
    );

    const dialOrder = new Map([...run.calls].sort((a, b) => a.dialedAtMs - b.dialedAtMs).map((call, index) => [call.callId, index / Math.max(1, run.calls.length - 1)]));
    out.push({ run, windows, callOrder: steady.map((point) => dialOrder.get(point.turn.callId) ?? 0), residuals });
  }
  return out;
}
