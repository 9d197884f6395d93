import { binomialUpperTail, chiSquareUpperTail, poissonUpperTail } from './distributions.js';

/** One-sided exact test of a count against a background rate. */
export interface CountTestResult {
  observed: number;
  /** Count expected at the background rate. */
  expected: number;
  /** P(X >= observed) under the background rate. */
  p: number;
}

/**
 * Exact one-sided binomial test that `successes` of `trials` exceed the
 * background probability `background`: p = P(X >= successes).
 */
export function binomialTest(successes: number, trials: number, background: number): CountTestResult {
  return { observed: successes, expected: trials * background, p: binomialUpperTail(successes, trials, background) };
}

/** Exact one-sided Poisson test that `count` exceeds the expected count `expected`: p = P(X >= count). */
export function poissonTest(count: number, expected: number): CountTestResult {
  return { observed: count, expected, p: poissonUpperTail(count, expected) };
}

/** Pearson's chi-square test that groups share one proportion. */
export interface HomogeneityResult {
  chiSquare: number;
  df: number;
  p: number;
  /** Successes / trials per group, in input order. */
  proportions: number[];
}

/**
 * Pearson's chi-square test of homogeneity of proportions across groups
 * (a 2 x g table, no continuity correction). Groups with no trials are
 * skipped. Returns null with fewer than 2 groups left. When every group
 * has the same proportion, or the pooled proportion is 0 or 1, the
 * statistic is 0 and p is 1.
 */
export function proportionsHomogeneity(groups: ReadonlyArray<{ successes: number; trials: number }>): HomogeneityResult | null {
  const used = groups.filter((group) => group.trials > 0);
  if (used.length < 2) return null;
  const totalTrials = used.reduce((sum, group) => sum + group.trials, 0);
  const pooled = used.reduce((sum, group) => sum + group.successes, 0) / totalTrials;
  const proportions = used.map((group) => group.successes / group.trials);
  if (pooled === 0 || pooled === 1) return { chiSquare: 0, df: used.length - 1, p: 1, proportions };

  let chiSquare = 0;
  for (const group of used) {
    const expectedSuccess = group.trials * pooled;
    const expectedFailure = group.trials - expectedSuccess;
    chiSquare += (group.successes - expectedSuccess) ** 2 / expectedSuccess;
    chiSquare += (group.trials - group.successes - expectedFailure) ** 2 / expectedFailure;
  }
  const df = used.length - 1;
  return { chiSquare, df, p: chiSquareUpperTail(chiSquare, df), proportions };
}
