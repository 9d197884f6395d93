import { errorFunction } from 'simple-statistics';

import { rankWithTies } from './stats/descriptive.js';

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

  const { ranks, tieGroups } = rankWithTies([...a, ...b]);
  // Sum of t^3 - t over groups of t tied values, for the variance's tie correction.
  const tieTerm = tieGroups.reduce((sum, tied) => sum + tied ** 3 - tied, 0);
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

/** P(Z > z) for a standard normal Z, z >= 0. */
function normalUpperTail(z: number): number {
  return (1 - errorFunction(z / Math.SQRT2)) / 2;
}
