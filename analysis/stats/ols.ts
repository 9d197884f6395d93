import { linearRegression } from 'simple-statistics';

import { studentTTwoSided } from './distributions.js';

/** Ordinary least squares fit of y = intercept + slope * x. */
export interface OlsResult {
  slope: number;
  intercept: number;
  /** y minus the fitted value, in input order. */
  residuals: number[];
  /** Standard error of the slope; 0 for a perfect fit. */
  slopeStdError: number;
  /** Two-sided p-value of slope = 0 from Student's t on n - 2 degrees of freedom; null below 3 points. */
  slopeP: number | null;
  rSquared: number;
  n: number;
}

/**
 * Fits y on x by ordinary least squares. Returns null when the lengths
 * differ, there are fewer than 2 points, or x is constant (slope undefined).
 */
export function ols(x: readonly number[], y: readonly number[]): OlsResult | null {
  const n = x.length;
  if (n !== y.length || n < 2) return null;
  if (x.every((value) => value === x[0])) return null;

  const { m: slope, b: intercept } = linearRegression(x.map((value, i) => [value, y[i]!]));
  const residuals = y.map((value, i) => value - (intercept + slope * x[i]!));
  const meanX = x.reduce((sum, value) => sum + value, 0) / n;
  const meanY = y.reduce((sum, value) => sum + value, 0) / n;
  const sxx = x.reduce((sum, value) => sum + (value - meanX) ** 2, 0);
  const sse = residuals.reduce((sum, value) => sum + value * value, 0);
  const sst = y.reduce((sum, value) => sum + (value - meanY) ** 2, 0);
  const rSquared = sst === 0 ? 1 : 1 - sse / sst;

  if (n < 3) return { slope, intercept, residuals, slopeStdError: 0, slopeP: null, rSquared, n };
  const slopeStdError = Math.sqrt(sse / (n - 2) / sxx);
  const slopeP = slopeStdError === 0 ? (slope === 0 ? 1 : 0) : studentTTwoSided(slope / slopeStdError, n - 2);
  return { slope, intercept, residuals, slopeStdError, slopeP, rSquared, n };
}
