import { medianOf } from '../stats/index.js';
import { censoredResponse } from './common.js';
import type { DiagnosisInput, RunData } from './input.js';

/** How a step-down run compares with the step-up run at its concurrency. */
export interface RecoveryPair {
  down: RunData;
  up: RunData;
  /** Median agent response of the step-down run over that of the step-up run. */
  ratio: number;
}

/**
 * Pairs each step-down run with the step-up or baseline run of the nearest
 * concurrency and compares their median agent response (timeouts
 * censored). Returns no pairs when the input has no step-down run.
 */
export function recoveryPairs(input: DiagnosisInput): RecoveryPair[] {
  const ups = input.runs.filter((run) => run.phase === 'up' || run.phase === 'baseline');
  const pairs: RecoveryPair[] = [];
  for (const down of input.runs.filter((run) => run.phase === 'down')) {
    const up = nearestByConcurrency(ups, down.concurrency);
    if (up === null) continue;
    const downMedian = runMedian(down);
    const upMedian = runMedian(up);
    if (downMedian === null || upMedian === null || upMedian <= 0) continue;
    pairs.push({ down, up, ratio: downMedian / upMedian });
  }
  return pairs;
}

/** Median agent response of a run, timeouts censored. */
export function runMedian(run: RunData): number | null {
  return medianOf(run.turns.map((turn) => censoredResponse(turn, run)).filter((value): value is number => value !== null));
}

function nearestByConcurrency(runs: readonly RunData[], concurrency: number): RunData | null {
  let best: RunData | null = null;
  for (const run of runs) {
    if (best === null || Math.abs(run.concurrency - concurrency) < Math.abs(best.concurrency - concurrency)) best = run;
  }
  return best;
}
