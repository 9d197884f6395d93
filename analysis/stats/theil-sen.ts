import { medianOf } from './descriptive.js';

/** Most points the O(n^2) pairwise slopes are taken over; larger inputs are thinned evenly along x first. */
export const THEIL_SEN_MAX_POINTS = 2000;

/** Theil-Sen line: the median of pairwise slopes and the median intercept. */
export interface TheilSenResult {
  slope: number;
  intercept: number;
  /** Points the slopes were computed from, after thinning. */
  pointsUsed: number;
}

/**
 * Fits the Theil-Sen line: slope = median of (y_j - y_i) / (x_j - x_i) over
 * pairs with distinct x, intercept = median of y - slope * x. Above
 * `maxPoints` the points are sorted by x and every (n / maxPoints)-th one
 * is kept, so the result is deterministic. Returns null when the lengths
 * differ or no pair has distinct x.
 */
export function theilSen(x: readonly number[], y: readonly number[], maxPoints = THEIL_SEN_MAX_POINTS): TheilSenResult | null {
  if (x.length !== y.length) return null;
  const points = thinEvenly(x, y, maxPoints);
  const slopes = pairwiseSlopes(points.x, points.y);
  const slope = medianOf(slopes);
  if (slope === null) return null;
  const intercept = medianOf(points.y.map((value, i) => value - slope * points.x[i]!))!;
  return { slope, intercept, pointsUsed: points.x.length };
}

/** Slopes between every pair of points with distinct x. */
export function pairwiseSlopes(x: readonly number[], y: readonly number[]): number[] {
  const slopes: number[] = [];
  for (let i = 0; i < x.length - 1; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j]! - x[i]!;
      if (dx !== 0) slopes.push((y[j]! - y[i]!) / dx);
    }
  }
  return slopes;
}

/**
 * Seasonal Kendall slope estimator (Hirsch, Slack and Smith 1982): the
 * median of the pairwise slopes taken within each series only. Returns
 * null when no series has a pair with distinct x.
 */
export function seasonalSenSlope(series: ReadonlyArray<{ x: readonly number[]; y: readonly number[] }>, maxPoints = THEIL_SEN_MAX_POINTS): number | null {
  const slopes: number[] = [];
  for (const one of series) {
    const points = thinEvenly(one.x, one.y, maxPoints);
    for (const slope of pairwiseSlopes(points.x, points.y)) slopes.push(slope);
  }
  return medianOf(slopes);
}

function thinEvenly(x: readonly number[], y: readonly number[], maxPoints: number): { x: number[]; y: number[] } {
  if (x.length <= maxPoints) return { x: [...x], y: [...y] };
  const order = x.map((_, index) => index).sort((a, b) => x[a]! - x[b]!);
  const keptX: number[] = [];
  const keptY: number[] = [];
  for (let k = 0; k < maxPoints; k++) {
    const index = order[Math.floor((k * order.length) / maxPoints)]!;
    keptX.push(x[index]!);
    keptY.push(y[index]!);
  }
  return { x: keptX, y: keptY };
}
