import { medianOf } from './descriptive.js';
import { seededRandom } from './random.js';

/** A turn, marked slow or not, placed in time and in its call. */
export interface LabelledTurn {
  callId: string;
  atMs: number;
  slow: boolean;
}

/** Permutation test of whether slow turns of different calls fall closer together in time than chance. */
export interface TimeClusteringResult {
  slowTurns: number;
  /** Median, over slow turns, of the time to the nearest slow turn of another call (ms). */
  medianGapMs: number;
  /** Median of that statistic over the permutations (ms). */
  nullMedianGapMs: number;
  /** nullMedianGapMs / medianGapMs: above 1 when slow turns bunch together across calls. */
  clusteringRatio: number;
  /** One-sided permutation p-value: share of relabellings with a median gap at or below the observed. */
  p: number;
  permutations: number;
}

/**
 * Tests whether slow turns cluster in time across calls. The statistic is
 * the median gap from each slow turn to the nearest slow turn of another
 * call. Its null distribution comes from re-drawing which turns are slow
 * uniformly among all turns, keeping their number, so the test follows
 * however turns are spread over the run. Returns null when fewer than 2
 * calls have slow turns or fewer than 3 turns are slow.
 */
export function timeClusteringTest(turns: readonly LabelledTurn[], options: { seed: string; permutations?: number }): TimeClusteringResult | null {
  const sorted = [...turns].sort((a, b) => a.atMs - b.atMs);
  const slowIndexes = sorted.flatMap((turn, index) => (turn.slow ? [index] : []));
  if (slowIndexes.length < 3) return null;
  if (new Set(slowIndexes.map((index) => sorted[index]!.callId)).size < 2) return null;

  const medianGapMs = medianCrossCallGap(sorted, slowIndexes);
  const permutations = options.permutations ?? 999;
  const random = seededRandom(options.seed);
  const all = sorted.map((_, index) => index);
  const nullGaps: number[] = [];
  let atOrBelow = 0;
  for (let k = 0; k < permutations; k++) {
    const drawn = drawWithoutReplacement(all, slowIndexes.length, random.uniform).sort((a, b) => a - b);
    const gap = medianCrossCallGap(sorted, drawn);
    nullGaps.push(gap);
    if (gap <= medianGapMs) atOrBelow++;
  }
  const nullMedianGapMs = medianOf(nullGaps.filter(Number.isFinite)) ?? Infinity;
  return {
    slowTurns: slowIndexes.length,
    medianGapMs,
    nullMedianGapMs,
    clusteringRatio: medianGapMs > 0 ? nullMedianGapMs / medianGapMs : Infinity,
    p: (atOrBelow + 1) / (permutations + 1),
    permutations,
  };
}

/** `indexes` ascending into `sorted`; Infinity when every chosen turn belongs to one call. */
function medianCrossCallGap(sorted: readonly LabelledTurn[], indexes: readonly number[]): number {
  const gaps: number[] = [];
  for (let k = 0; k < indexes.length; k++) {
    const turn = sorted[indexes[k]!]!;
    let gap = Infinity;
    for (let left = k - 1; left >= 0; left--) {
      const other = sorted[indexes[left]!]!;
      if (other.callId !== turn.callId) {
        gap = turn.atMs - other.atMs;
        break;
      }
    }
    for (let right = k + 1; right < indexes.length; right++) {
      const other = sorted[indexes[right]!]!;
      if (other.atMs - turn.atMs >= gap) break;
      if (other.callId !== turn.callId) {
        gap = other.atMs - turn.atMs;
        break;
      }
    }
    gaps.push(gap);
  }
  return medianOf(gaps.filter(Number.isFinite)) ?? Infinity;
}

/** Partial Fisher-Yates shuffle: `count` distinct items of `items`. */
function drawWithoutReplacement(items: readonly number[], count: number, uniform: () => number): number[] {
  const pool = [...items];
  for (let k = 0; k < count; k++) {
    const pick = k + Math.floor(uniform() * (pool.length - k));
    const held = pool[k]!;
    pool[k] = pool[pick]!;
    pool[pick] = held;
  }
  return pool.slice(0, count);
}
