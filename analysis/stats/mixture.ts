import { seededRandom } from './random.js';

/** A one-dimensional Gaussian mixture: components sorted by mean, ascending. */
export interface GaussianMixture {
  weights: number[];
  means: number[];
  sds: number[];
  logLikelihood: number;
  /** Bayesian information criterion, -2 log L + parameters * ln n. */
  bic: number;
}

/** Likelihood-ratio test of 1 against 2 Gaussian components, calibrated by a parametric bootstrap. */
export interface BimodalityResult {
  n: number;
  one: GaussianMixture;
  two: GaussianMixture;
  /** 2 (log L of 2 components - log L of 1 component). */
  likelihoodRatio: number;
  /** Bootstrap p-value: share of replicates drawn from the fitted single Gaussian whose ratio reaches the observed one. */
  p: number;
  /** Replicates drawn; fewer than requested when the test stopped early because p was clearly large. */
  replicates: number;
}

export interface BimodalityOptions {
  seed: string;
  /** Bootstrap replicates, 199 by default; the smallest possible p is 1 / (replicates + 1). */
  replicates?: number;
  /** Stop once this many replicates reach the observed ratio (Besag and Clifford's sequential p-value). */
  stopAfterExceedances?: number;
  /**
   * Larger samples are reduced to this many evenly spaced order statistics
   * before testing, to bound the bootstrap's cost. The reduced sample is
   * smoother than an independent one, so the test becomes conservative.
   */
  maxPoints?: number;
}

/** Default `maxPoints` of `bimodalityTest`. */
export const BIMODALITY_MAX_POINTS = 500;

const MAX_EM_ITERATIONS = 150;
/** Relative change of the log-likelihood at which EM stops. */
const EM_TOLERANCE = 1e-7;
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);
/** Lower bound on a component's standard deviation as a share of the sample's, which keeps EM off single-point components. */
const MIN_SD_SHARE = 0.05;
/** Quantiles at which the sorted sample is split to start EM; the best final fit is kept. */
const START_SPLITS = [0.5, 0.85];

/** Fits of 1 and 2 Gaussian components to a sample, before the bootstrap. */
export interface BimodalityFit {
  /** The sample after reduction to `maxPoints`. */
  values: number[];
  one: GaussianMixture;
  two: GaussianMixture;
  likelihoodRatio: number;
}

/**
 * Fits 1 and 2 Gaussian components (EM for two) to `sample`, reduced to
 * `maxPoints` evenly spaced order statistics when larger. Returns null
 * below 5 values or for constant values.
 */
export function fitBimodality(sample: readonly number[], maxPoints = BIMODALITY_MAX_POINTS): BimodalityFit | null {
  const values = evenOrderStatistics(sample, maxPoints);
  if (values.length < 5) return null;
  const one = fitOneGaussian(values);
  if (one.sds[0] === 0) return null;
  const two = fitTwoGaussians(values);
  return { values, one, two, likelihoodRatio: Math.max(0, 2 * (two.logLikelihood - one.logLikelihood)) };
}

/**
 * Calibrates the likelihood ratio of a fit by a parametric bootstrap from
 * the fitted single Gaussian (McLachlan 1987), because the ratio has no
 * chi-square null distribution when one component's weight can go to
 * zero.
 */
export function bimodalityPValue(fit: BimodalityFit, options: BimodalityOptions): { p: number; replicates: number } {
  const n = fit.values.length;
  const replicates = options.replicates ?? 199;
  const stopAfter = options.stopAfterExceedances ?? 20;
  const random = seededRandom(options.seed);
  const mean = fit.one.means[0]!;
  const sd = fit.one.sds[0]!;
  let exceedances = 0;
  let drawn = 0;
  while (drawn < replicates) {
    drawn++;
    const sample = Array.from({ length: n }, () => mean + sd * random.normal());
    const ratio = 2 * (fitTwoGaussians(sample).logLikelihood - fitOneGaussian(sample).logLikelihood);
    if (ratio >= fit.likelihoodRatio) exceedances++;
    if (exceedances >= stopAfter) return { p: exceedances / drawn, replicates: drawn };
  }
  return { p: (exceedances + 1) / (drawn + 1), replicates: drawn };
}

/**
 * Tests whether `sample` is better described by two Gaussian components
 * than one: `fitBimodality`, then `bimodalityPValue`. Pass log latencies,
 * so that a lognormal sample is one component. Returns null below 5
 * values or for constant values. `n` and the fits refer to the sample
 * after reduction to `maxPoints`.
 */
export function bimodalityTest(sample: readonly number[], options: BimodalityOptions): BimodalityResult | null {
  const fit = fitBimodality(sample, options.maxPoints);
  if (fit === null) return null;
  const { p, replicates } = bimodalityPValue(fit, options);
  return { n: fit.values.length, one: fit.one, two: fit.two, likelihoodRatio: fit.likelihoodRatio, p, replicates };
}

/** Maximum-likelihood single Gaussian. */
export function fitOneGaussian(values: readonly number[]): GaussianMixture {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const sd = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / n);
  const logLikelihood = sd === 0 ? Infinity : values.reduce((sum, value) => sum + logNormalDensity(value, mean, sd), 0);
  return { weights: [1], means: [mean], sds: [sd], logLikelihood, bic: -2 * logLikelihood + 2 * Math.log(n) };
}

/**
 * Two-component Gaussian mixture by EM, started from several splits of
 * the sorted sample, keeping the fit of highest likelihood. Component
 * standard deviations are held at or above 5% of the sample's.
 */
export function fitTwoGaussians(values: readonly number[]): GaussianMixture {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const minSd = Math.max(fitOneGaussian(sorted).sds[0]! * MIN_SD_SHARE, 1e-12);

  let best: GaussianMixture | null = null;
  for (const split of START_SPLITS) {
    const cut = Math.min(n - 1, Math.max(1, Math.round(n * split)));
    const start = [summarizePart(sorted.slice(0, cut), minSd), summarizePart(sorted.slice(cut), minSd)];
    const fit = runEm(sorted, start.map((part) => part.mean), start.map((part) => part.sd), [cut / n, 1 - cut / n], minSd);
    if (best === null || fit.logLikelihood > best.logLikelihood) best = fit;
  }
  return best!;
}

function summarizePart(part: readonly number[], minSd: number): { mean: number; sd: number } {
  const mean = part.reduce((sum, value) => sum + value, 0) / part.length;
  const sd = Math.sqrt(part.reduce((sum, value) => sum + (value - mean) ** 2, 0) / part.length);
  return { mean, sd: Math.max(sd, minSd) };
}

function runEm(values: readonly number[], means: number[], sds: number[], weights: number[], minSd: number): GaussianMixture {
  const n = values.length;
  const responsibility = new Float64Array(n);
  let logLikelihood = -Infinity;

  for (let iteration = 0; iteration < MAX_EM_ITERATIONS; iteration++) {
    // E step: responsibility of component 1 for each value, and the log-likelihood.
    // Densities are computed directly, in the log domain only when both underflow.
    const scale0 = weights[0]! / (sds[0]! * SQRT_TWO_PI);
    const scale1 = weights[1]! / (sds[1]! * SQRT_TWO_PI);
    const inverse0 = 1 / sds[0]!;
    const inverse1 = 1 / sds[1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const z0 = (values[i]! - means[0]!) * inverse0;
      const z1 = (values[i]! - means[1]!) * inverse1;
      const d0 = scale0 * Math.exp(-0.5 * z0 * z0);
      const d1 = scale1 * Math.exp(-0.5 * z1 * z1);
      const sum = d0 + d1;
      if (sum > 1e-300) {
        responsibility[i] = d1 / sum;
        total += Math.log(sum);
      } else {
        const a = Math.log(scale0) - 0.5 * z0 * z0;
        const b = Math.log(scale1) - 0.5 * z1 * z1;
        const top = Math.max(a, b);
        const logSum = top + Math.log(Math.exp(a - top) + Math.exp(b - top));
        responsibility[i] = Math.exp(b - logSum);
        total += logSum;
      }
    }

    // M step.
    let weight1 = 0;
    let sum1 = 0;
    let sum0 = 0;
    for (let i = 0; i < n; i++) {
      weight1 += responsibility[i]!;
      sum1 += responsibility[i]! * values[i]!;
      sum0 += (1 - responsibility[i]!) * values[i]!;
    }
    const weight0 = n - weight1;
    if (weight0 < 1e-9 || weight1 < 1e-9) break;
    means = [sum0 / weight0, sum1 / weight1];
    let square0 = 0;
    let square1 = 0;
    for (let i = 0; i < n; i++) {
      square0 += (1 - responsibility[i]!) * (values[i]! - means[0]!) ** 2;
      square1 += responsibility[i]! * (values[i]! - means[1]!) ** 2;
    }
    sds = [Math.max(Math.sqrt(square0 / weight0), minSd), Math.max(Math.sqrt(square1 / weight1), minSd)];
    weights = [weight0 / n, weight1 / n];

    const converged = Math.abs(total - logLikelihood) <= EM_TOLERANCE * Math.abs(total);
    logLikelihood = total;
    if (converged) break;
  }

  const order = means[0]! <= means[1]! ? [0, 1] : [1, 0];
  return {
    weights: order.map((k) => weights[k]!),
    means: order.map((k) => means[k]!),
    sds: order.map((k) => sds[k]!),
    logLikelihood,
    bic: -2 * logLikelihood + 5 * Math.log(n),
  };
}

function logNormalDensity(x: number, mean: number, sd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * z * z - Math.log(sd) - 0.5 * Math.log(2 * Math.PI);
}

/**
 * Finds, by bisection, the value between the two component means where
 * the weighted densities are equal. Values above it are more likely from
 * the upper component.
 */
export function componentBoundary(mixture: GaussianMixture): number {
  let low = mixture.means[0]!;
  let high = mixture.means[1]!;
  const upperWins = (x: number) =>
    Math.log(mixture.weights[1]!) + logNormalDensity(x, mixture.means[1]!, mixture.sds[1]!) >=
    Math.log(mixture.weights[0]!) + logNormalDensity(x, mixture.means[0]!, mixture.sds[0]!);
  for (let step = 0; step < 60; step++) {
    const middle = (low + high) / 2;
    if (upperWins(middle)) high = middle;
    else low = middle;
  }
  return (low + high) / 2;
}

function evenOrderStatistics(values: readonly number[], maxPoints: number): number[] {
  if (values.length <= maxPoints) return [...values];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: maxPoints }, (_, k) => sorted[Math.round((k * (sorted.length - 1)) / (maxPoints - 1))]!);
}
