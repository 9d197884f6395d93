import t from 'tap';

import {
  bimodalityTest,
  binomialTest,
  chiSquareUpperTail,
  componentBoundary,
  kendallTau,
  mannKendall,
  mannWhitneyU,
  medianOf,
  ols,
  percentile,
  poissonTest,
  proportionsHomogeneity,
  rankWithTies,
  regularizedBeta,
  seasonalKendall,
  seasonalSenSlope,
  seededRandom,
  spearman,
  studentTTwoSided,
  theilSen,
  timeClusteringTest,
  trailingCounts,
  windowedMedians,
  type LabelledTurn,
} from '../analysis/stats/index.js';

// Reference values below were computed with scipy 1.17.1 and numpy 2.4.6.

t.test('percentile interpolates linearly', async (t) => {
  t.equal(percentile([1, 2, 3, 4], 0.9), 3.7, 'numpy.percentile([1, 2, 3, 4], 90)');
  t.equal(percentile([5], 0.9), 5);
  t.equal(percentile([], 0.5), null);
  t.equal(medianOf([3, 1, 2, 10]), 2.5);
});

t.test('ranks share ties', async (t) => {
  const { ranks, tieGroups } = rankWithTies([10, 20, 20, 30]);
  t.same(ranks, [1, 2.5, 2.5, 4]);
  t.same(tieGroups, [1, 2, 1]);
});

t.test('distribution tails match scipy', async (t) => {
  t.equal(studentTTwoSided(2.1, 7).toFixed(6), '0.073871', '2 * t.sf(2.1, 7)');
  t.equal(chiSquareUpperTail(7.5, 3).toFixed(6), '0.057558', 'chi2.sf(7.5, 3)');
  t.equal(regularizedBeta(0.3, 2.5, 4).toFixed(6), '0.352198', 'beta.cdf(0.3, 2.5, 4)');
  t.equal(studentTTwoSided(Infinity, 5), 0);
  t.equal(chiSquareUpperTail(0, 2), 1);
});

t.test('Spearman with t approximation', async (t) => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const result = spearman(x, [2, 1, 4, 3, 7, 5, 6, 9, 8, 12, 10, 11])!;
  t.equal(result.method, 't');
  t.equal(result.rho.toFixed(6), '0.937063');
  t.equal(result.p.toExponential(4), '6.9932e-6', 'scipy spearmanr');
});

t.test('Spearman with ties', async (t) => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const result = spearman(x, [1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 7, 7])!;
  t.equal(result.rho.toFixed(6), '0.991220');
  t.equal(result.p.toExponential(3), '4.049e-10', 'scipy spearmanr');
});

t.test('Spearman exact below ten', async (t) => {
  const result = spearman([1, 2, 3, 4, 5, 6, 7], [2, 1, 4, 3, 7, 5, 6])!;
  t.equal(result.method, 'exact');
  t.equal(result.rho.toFixed(6), '0.821429');
  t.equal(result.p.toFixed(6), '0.034127', 'scipy permutation_test over all 5040 pairings');
});

t.test('Spearman edge cases', async (t) => {
  t.equal(spearman([1, 2], [1, 2]), null, 'n < 3');
  t.equal(spearman([1, 2, 3, 4], [5, 5, 5, 5]), null, 'constant y');
  t.equal(spearman([1, 2, 3], [1, 2]), null, 'length mismatch');
  const perfect = spearman([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])!;
  t.equal(perfect.rho, 1);
  t.equal(perfect.p, 0);
});

t.test('Kendall tau-b with ties', async (t) => {
  const result = kendallTau([1, 2, 2, 3, 4, 4, 5, 6, 7, 8], [1, 3, 2, 2, 5, 4, 4, 7, 6, 8])!;
  t.equal(result.tau.toFixed(6), '0.813953');
  t.equal(result.p.toFixed(6), '0.001469', 'scipy kendalltau method asymptotic');
  t.equal(kendallTau([1, 1, 1], [1, 2, 3]), null, 'constant x');
});

t.test('Mann-Kendall with ties', async (t) => {
  const result = mannKendall([1, 3, 2, 4, 4, 5, 3, 6, 7, 7, 8, 9])!;
  t.equal(result.s, 55);
  t.equal(result.variance.toFixed(4), '209.6667', 'tie-corrected variance');
  t.equal(result.z.toFixed(6), '3.729315');
  t.equal(result.p.toExponential(4), '1.9200e-4');
  t.equal(result.pIncreasing.toExponential(4), '9.6001e-5');
});

t.test('Mann-Kendall edge cases', async (t) => {
  t.equal(mannKendall([1, 2]), null, 'n < 3');
  const flat = mannKendall([4, 4, 4, 4, 4])!;
  t.equal(flat.s, 0);
  t.equal(flat.p, 1, 'constant data has no trend');
  t.equal(flat.tau, 0);
  const falling = mannKendall([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])!;
  t.ok(falling.pIncreasing > 0.99, 'a falling series is not an upward trend');
});

t.test('seasonal Kendall sums series', async (t) => {
  const a = [1, 2, 3, 4, 5];
  const b = [10, 12, 11, 13, 14];
  const combined = seasonalKendall([a, b, [7, 8]])!;
  t.equal(combined.seriesUsed, 2, 'a series below 3 values is skipped');
  t.equal(combined.s, mannKendall(a)!.s + mannKendall(b)!.s);
  t.equal(combined.variance, mannKendall(a)!.variance + mannKendall(b)!.variance);
  t.equal(seasonalKendall([[1, 2]]), null);
});

t.test('Theil-Sen slope', async (t) => {
  const result = theilSen([0, 1, 2, 3, 4], [1, 2, 3, 4, 10])!;
  t.equal(result.slope, 1, 'scipy theilslopes');
  t.equal(result.intercept, 1);
  t.equal(theilSen([2, 2, 2], [1, 2, 3]), null, 'no distinct x');
  const tied = theilSen([0, 0, 1, 1], [0, 2, 4, 6])!;
  t.equal(tied.slope, 4, 'pairs with equal x are skipped');
});

t.test('Theil-Sen thins large inputs', async (t) => {
  const x = Array.from({ length: 5000 }, (_, i) => i);
  const y = x.map((value) => 3 * value + (value % 7));
  const result = theilSen(x, y, 500)!;
  t.equal(result.pointsUsed, 500);
  t.ok(Math.abs(result.slope - 3) < 0.01, `slope ${result.slope} near 3`);
  t.same(theilSen(x, y, 500), result, 'deterministic');
});

t.test('seasonal Sen slope', async (t) => {
  const slope = seasonalSenSlope([
    { x: [0, 1, 2], y: [0, 2, 4] },
    { x: [0, 1, 2], y: [100, 102, 104] },
  ]);
  t.equal(slope, 2, 'level differences between series do not count');
});

t.test('ordinary least squares', async (t) => {
  const result = ols([1, 2, 3, 4, 5], [2.1, 3.9, 6.2, 7.8, 10.1])!;
  t.equal(result.slope.toFixed(6), '1.990000');
  t.equal(result.intercept.toFixed(6), '0.050000');
  t.equal(result.slopeStdError.toFixed(6), '0.059722', 'scipy linregress stderr');
  t.equal(result.slopeP!.toExponential(4), '5.9415e-5');
  t.equal(result.residuals.length, 5);
  t.ok(Math.abs(result.residuals.reduce((sum, value) => sum + value, 0)) < 1e-9, 'residuals sum to zero');
  t.equal(ols([3, 3, 3], [1, 2, 3]), null, 'constant x');
  t.equal(ols([1], [1]), null, 'one point');
  t.equal(ols([1, 2], [1, 3])!.slopeP, null, 'no p-value from two points');
});

t.test('Mann-Whitney U is reused', async (t) => {
  t.equal(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!.p.toFixed(4), '0.0122');
});

t.test('binomial and Poisson tests', async (t) => {
  t.equal(binomialTest(5, 50, 0.02).p.toFixed(6), '0.003210', 'binom.sf(4, 50, 0.02)');
  t.equal(binomialTest(0, 50, 0.02).p, 1);
  t.equal(binomialTest(51, 50, 0.02).p, 0);
  t.equal(binomialTest(1, 50, 0).p, 0, 'any count is impossible at a zero rate');
  t.equal(poissonTest(7, 2.5).p.toFixed(6), '0.014187', 'poisson.sf(6, 2.5)');
  t.equal(poissonTest(0, 2.5).p, 1);
});

t.test('proportions homogeneity', async (t) => {
  const result = proportionsHomogeneity([
    { successes: 10, trials: 100 },
    { successes: 20, trials: 100 },
    { successes: 30, trials: 100 },
  ])!;
  t.equal(result.chiSquare.toFixed(4), '12.5000');
  t.equal(result.df, 2);
  t.equal(result.p.toFixed(6), '0.001930', 'scipy chi2_contingency without correction');
  t.equal(proportionsHomogeneity([{ successes: 0, trials: 10 }, { successes: 0, trials: 20 }])!.p, 1, 'no successes anywhere');
  t.equal(proportionsHomogeneity([{ successes: 1, trials: 10 }, { successes: 0, trials: 0 }]), null, 'one group with trials');
});

t.test('windowed medians', async (t) => {
  const points = [0, 100, 200, 1000, 1100, 2500].map((atMs, i) => ({ atMs, value: i }));
  const windows = windowedMedians(points, 1000, { minCount: 2 });
  t.equal(windows.length, 2, 'the third window holds one value');
  t.same(windows.map((w) => w.median), [1, 3.5]);
  t.same(windows.map((w) => w.count), [3, 2]);
  t.equal(windows[0]!.centerMs, 500);
  t.same(windowedMedians([], 1000), []);
});

t.test('trailing counts', async (t) => {
  t.same(trailingCounts([0, 100, 900, 1000, 1500], [1000, 1500], 1000), [3, 3]);
});

t.test('bimodality test separates modes', async (t) => {
  const random = seededRandom('bimodal');
  const values = [
    ...Array.from({ length: 160 }, () => Math.log(1000) + 0.2 * random.normal()),
    ...Array.from({ length: 40 }, () => Math.log(3000) + 0.2 * random.normal()),
  ];
  const result = bimodalityTest(values, { seed: 'test', replicates: 199 })!;
  t.ok(result.p < 0.01, `p ${result.p}`);
  t.ok(Math.abs(result.two.weights[1]! - 0.2) < 0.05, `minor weight ${result.two.weights[1]}`);
  t.ok(Math.abs(Math.exp(result.two.means[1]! - result.two.means[0]!) - 3) < 0.3, 'means three times apart');
  t.ok(result.two.bic < result.one.bic, 'BIC prefers two components');
  const boundary = componentBoundary(result.two);
  t.ok(boundary > Math.log(1000) && boundary < Math.log(3000), 'boundary between the modes');
});

t.test('bimodality test on one mode', async (t) => {
  const random = seededRandom('unimodal');
  const values = Array.from({ length: 200 }, () => Math.log(1000) + 0.3 * random.normal());
  const result = bimodalityTest(values, { seed: 'test', replicates: 199 })!;
  t.ok(result.p > 0.05, `p ${result.p}`);
  t.same(bimodalityTest(values, { seed: 'test', replicates: 199 }), result, 'deterministic for one seed');
  t.equal(bimodalityTest([1, 2, 3, 4], { seed: 'x' }), null, 'n < 5');
  t.equal(bimodalityTest([2, 2, 2, 2, 2, 2], { seed: 'x' }), null, 'constant data');
});

t.test('time clustering of slow turns', async (t) => {
  const random = seededRandom('clusters');
  const turns: LabelledTurn[] = [];
  for (let call = 0; call < 40; call++) {
    for (let turn = 0; turn < 10; turn++) turns.push({ callId: `c${call}`, atMs: random.uniform() * 600_000, slow: false });
  }
  const bursts = [100_000, 300_000, 500_000];
  const clustered = turns.map((turn) => ({ ...turn, slow: bursts.some((at) => Math.abs(turn.atMs - at) < 3000) }));
  const result = timeClusteringTest(clustered, { seed: 'test', permutations: 199 })!;
  t.ok(result.p < 0.01, `clustered p ${result.p}`);
  t.ok(result.clusteringRatio > 2, `ratio ${result.clusteringRatio}`);

  const scattered = turns.map((turn, index) => ({ ...turn, slow: index % 13 === 0 }));
  const none = timeClusteringTest(scattered, { seed: 'test', permutations: 199 })!;
  t.ok(none.p > 0.05, `scattered p ${none.p}`);

  const oneCall = turns.map((turn) => ({ ...turn, slow: turn.callId === 'c1' }));
  t.equal(timeClusteringTest(oneCall, { seed: 'test' }), null, 'slow turns of a single call');
});
