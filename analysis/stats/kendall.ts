import { normalTwoSided, normalUpperTail } from './distributions.js';
import { rankWithTies } from './descriptive.js';

/** Mann-Kendall trend test of a series in time order. */
export interface MannKendallResult {
  /** S: pairs rising later minus pairs falling later. */
  s: number;
  /** Variance of S under no trend, corrected for ties. */
  variance: number;
  /** Continuity-corrected normal score of S; 0 when S is 0 or the variance is 0. */
  z: number;
  /** Two-sided p-value. */
  p: number;
  /** One-sided p-value against an upward trend. */
  pIncreasing: number;
  /** Kendall's tau-b of the series against its time order. */
  tau: number;
  n: number;
}

/**
 * Runs the Mann-Kendall test: S = sum over i < j of sign(y_j - y_i), with
 * Var(S) = [n(n-1)(2n+5) - sum of t(t-1)(2t+5) over groups of t tied
 * values] / 18 and the normal approximation with a continuity correction.
 * Returns null below 3 values. The normal approximation is rough below
 * about 10 values.
 */
export function mannKendall(values: readonly number[]): MannKendallResult | null {
  const n = values.length;
  if (n < 3) return null;

  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign(values[j]! - values[i]!);
  }
  const ties = rankWithTies(values).tieGroups;
  const variance = (n * (n - 1) * (2 * n + 5) - ties.reduce((sum, t) => sum + t * (t - 1) * (2 * t + 5), 0)) / 18;
  const pairs = (n * (n - 1)) / 2;
  const tiedPairs = ties.reduce((sum, t) => sum + (t * (t - 1)) / 2, 0);
  const tau = pairs === tiedPairs ? 0 : s / Math.sqrt(pairs * (pairs - tiedPairs));
  return { ...scoreS(s, variance), s, variance, tau, n };
}

/** Seasonal Kendall test: the result and the per-series parts it summed. */
export interface SeasonalKendallResult {
  s: number;
  variance: number;
  z: number;
  p: number;
  pIncreasing: number;
  /** Series with at least 3 values, which are the ones counted. */
  seriesUsed: number;
}

/**
 * Runs the seasonal Kendall test (Hirsch, Slack and Smith 1982): a
 * Mann-Kendall S and variance per series, summed, so that each series is
 * compared only with itself. Series of fewer than 3 values are skipped.
 * Returns null when no series has 3 values.
 */
export function seasonalKendall(series: readonly (readonly number[])[]): SeasonalKendallResult | null {
  let s = 0;
  let variance = 0;
  let seriesUsed = 0;
  for (const values of series) {
    const result = mannKendall(values);
    if (result === null) continue;
    s += result.s;
    variance += result.variance;
    seriesUsed++;
  }
  if (seriesUsed === 0) return null;
  return { ...scoreS(s, variance), s, variance, seriesUsed };
}

function scoreS(s: number, variance: number): { z: number; p: number; pIncreasing: number } {
  if (!(variance > 0) || s === 0) return { z: 0, p: 1, pIncreasing: 0.5 };
  const z = (s - Math.sign(s)) / Math.sqrt(variance);
  return { z, p: normalTwoSided(z), pIncreasing: normalUpperTail(z) };
}

/** Kendall's tau-b of x against y with its tie-corrected two-sided p-value. */
export interface KendallTauResult {
  tau: number;
  z: number;
  p: number;
  n: number;
}

/**
 * Computes Kendall's tau-b and a two-sided p-value from the normal
 * approximation with the tie-corrected variance of S, in O(n^2). Returns
 * null when the lengths differ, n < 3, or either sample is constant.
 */
export function kendallTau(x: readonly number[], y: readonly number[]): KendallTauResult | null {
  const n = x.length;
  if (n !== y.length || n < 3) return null;

  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) s += Math.sign(x[j]! - x[i]!) * Math.sign(y[j]! - y[i]!);
  }
  const tiesX = rankWithTies(x).tieGroups;
  const tiesY = rankWithTies(y).tieGroups;
  const pairs = (n * (n - 1)) / 2;
  const tiedX = tiesX.reduce((sum, t) => sum + (t * (t - 1)) / 2, 0);
  const tiedY = tiesY.reduce((sum, t) => sum + (t * (t - 1)) / 2, 0);
  if (tiedX === pairs || tiedY === pairs) return null;
  const tau = s / Math.sqrt((pairs - tiedX) * (pairs - tiedY));

  // Tie-corrected variance of S, as in Kendall (1970) and scipy's kendalltau.
  const v0 = n * (n - 1) * (2 * n + 5);
  const vt = (groups: number[]) => groups.reduce((sum, t) => sum + t * (t - 1) * (2 * t + 5), 0);
  const t1 = (groups: number[]) => groups.reduce((sum, t) => sum + t * (t - 1), 0);
  const t2 = (groups: number[]) => groups.reduce((sum, t) => sum + t * (t - 1) * (t - 2), 0);
  const variance =
    (v0 - vt(tiesX) - vt(tiesY)) / 18 +
    (t1(tiesX) * t1(tiesY)) / (2 * n * (n - 1)) +
    (t2(tiesX) * t2(tiesY)) / (9 * n * (n - 1) * (n - 2));
  const z = variance > 0 ? s / Math.sqrt(variance) : 0;
  return { tau, z, p: normalTwoSided(z), n };
}
