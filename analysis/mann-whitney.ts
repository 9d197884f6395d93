import { errorFunction } from 'simple-statistics';

/** Result of a two-sided Mann-Whitney U test of sample `a` against sample `b`. */
export interface MannWhitneyResult {
  /** U of sample `a`: the number of pairs (x from a, y from b) with x > y, ties counting one half. */
  u: number;
  /** Standard normal score of U, tie-corrected and with a 0.5 continuity correction; 0 when every value is tied. */
  z: number;
  /** Two-sided p-value from the normal approximation. */
  p: number;
  n1: number;
  n2: number;
}

/**
 * Runs the Mann-Whitney U test (Wilcoxon rank-sum) with the normal
 * approximation, a tie correction of the variance and a continuity
 * correction, as scipy.stats.mannwhitneyu does with `method='asymptotic'`.
 * Returns null when either sample is empty. The approximation is rough
 * below about 8 values per sample.
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): MannWhitneyResult | null {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return null;

  const { ranks, tieTerm } = rankWithTies([...a, ...b]);
  const rankSumA = ranks.slice(0, n1).reduce((sum, rank) => sum + rank, 0);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;

  const n = n1 + n2;
  const meanU = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, p: 1, n1, n2 };

  const distance = Math.max(0, Math.abs(u - meanU) - 0.5);
  const z = (Math.sign(u - meanU) * distance) / Math.sqrt(variance);
  const p = Math.min(1, 2 * normalUpperTail(Math.abs(z)));
  return { u, z, p, n1, n2 };
}

/** Ranks from 1, tied values sharing their mean rank; `tieTerm` is the sum of t^3 - t over groups of t tied values. */
function rankWithTies(values: number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((value, index) => ({ value, index })).sort((x, y) => x.value - y.value);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const shared = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]!.index] = shared;
    const tied = end - start + 1;
    tieTerm += tied ** 3 - tied;
    start = end + 1;
  }
  return { ranks, tieTerm };
}

/** P(Z > z) for a standard normal Z, z >= 0. */
function normalUpperTail(z: number): number {
  return (1 - errorFunction(z / Math.SQRT2)) / 2;
}
