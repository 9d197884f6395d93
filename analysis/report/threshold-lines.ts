import type { ThresholdEvaluation, ThresholdFailure } from '../thresholds.js';

const FAILURE_TEXT: Record<ThresholdFailure, string> = {
  not_met: 'limit not met',
  invalid_run: 'the run is invalid because the load generator did not keep its schedule',
  censored: 'the figure rests on a timed-out turn, so it is only a lower bound',
  no_data: 'the run has no value for this metric',
};

/** Formats one line per threshold, `passed` or `FAILED` with the value found and why, then a closing verdict. */
export function formatThresholdResults(evaluation: ThresholdEvaluation): string {
  const lines = evaluation.results.map((result) => {
    const actual = result.actual === null ? 'no value' : String(result.actual);
    if (result.passed) return `threshold ${result.threshold.text}: passed (${actual})`;
    return `threshold ${result.threshold.text}: FAILED (${actual}): ${FAILURE_TEXT[result.failure ?? 'not_met']}`;
  });
  const failed = evaluation.results.filter((result) => !result.passed).length;
  lines.push(failed === 0 ? `thresholds: all ${evaluation.results.length} passed` : `thresholds: ${failed} of ${evaluation.results.length} failed`);
  return `${lines.join('\n')}\n`;
}
