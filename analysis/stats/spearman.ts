import { sampleRankCorrelation } from 'simple-statistics';

import { rankWithTies } from './descriptive.js';
import { studentTTwoSided } from './distributions.js';

/** Spearman's rank correlation with its two-sided p-value. */
export interface SpearmanResult {
  rho: number;
  p: number;
  n: number;
  /** `exact`: the permutation distribution of the ranks, enumerated (n below 10). `t`: Student's t with n - 2 degrees of freedom. */
  method: 'exact' | 't';
}

/** Sample size from which the t approximation replaces exact enumeration; 9! = 362,880 permutations is the most enumerated. */
export const SPEARMAN_EXACT_BELOW = 10;

/**
 * Computes Spearman's rho (Pearson correlation of mid-ranks) and its
 * two-sided p-value: exact by enumerating every permutation for n < 10,
 * otherwise from t = rho * sqrt((n - 2) / (1 - rho^2)) on n - 2 degrees of
 * freedom. Returns null when the lengths differ, n < 3, or either sample is
 * constant, since rho is then undefined.
 */
export function spearman(x: readonly number[], y: readonly number[]): SpearmanResult | null {
  const n = x.length;
  if (n !== y.length || n < 3) return null;
  if (isConstant(x) || isConstant(y)) return null;

  const rho = sampleRankCorrelation([...x], [...y]);
  if (n < SPEARMAN_EXACT_BELOW) return { rho, p: exactSpearmanP(x, y, rho), n, method: 'exact' };
  if (Math.abs(rho) >= 1) return { rho, p: 0, n, method: 't' };
  const t = rho * Math.sqrt((n - 2) / (1 - rho * rho));
  return { rho, p: studentTTwoSided(t, n - 2), n, method: 't' };
}

function isConstant(values: readonly number[]): boolean {
  return values.every((value) => value === values[0]);
}

/**
 * Share of the n! orderings of y's ranks against x's whose |rho| reaches the
 * observed |rho|. Ties keep their mid-ranks, so the null distribution is the
 * conditional one. Permutations are visited with Heap's algorithm.
 */
function exactSpearmanP(x: readonly number[], y: readonly number[], observed: number): number {
  const rx = centred(rankWithTies(x).ranks);
  const ry = centred(rankWithTies(y).ranks);
  const normX = Math.sqrt(rx.reduce((sum, value) => sum + value * value, 0));
  const normY = Math.sqrt(ry.reduce((sum, value) => sum + value * value, 0));
  const target = Math.abs(observed) * normX * normY - 1e-9;

  const n = ry.length;
  const counters = new Array<number>(n).fill(0);
  let total = 1;
  let extreme = Math.abs(dot(rx, ry)) >= target ? 1 : 0;
  let i = 0;
  while (i < n) {
    if (counters[i]! < i) {
      const swapWith = i % 2 === 0 ? 0 : counters[i]!;
      const held = ry[swapWith]!;
      ry[swapWith] = ry[i]!;
      ry[i] = held;
      total++;
      if (Math.abs(dot(rx, ry)) >= target) extreme++;
      counters[i]!++;
      i = 0;
    } else {
      counters[i] = 0;
      i++;
    }
  }
  return extreme / total;
}

function centred(values: number[]): number[] {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return values.map((value) => value - mean);
}

function dot(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum;
}
