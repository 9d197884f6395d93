import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';

import { compareRuns } from '../analysis/compare.js';
import { mannWhitneyU } from '../analysis/mann-whitney.js';
import { formatComparisonTable } from '../analysis/report/index.js';
import { readRunResults } from '../analysis/results-reader.js';
import { compareCommand } from '../cli/compare-command.js';
import { writeRunFolder, type CallSpec } from './helpers/run-fixture.js';

function captureOutput() {
  const text = { out: '', err: '' };
  return { text, output: { out: (s: string) => void (text.out += s), err: (s: string) => void (text.err += s), interactive: false } };
}

/** `count` calls of one turn each, latencies `base`, `base + step`, ... */
function calls(prefix: string, count: number, base: number, step: number): CallSpec[] {
  return Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}`, turns: [base + index * step] }));
}

t.test('Mann-Whitney U on separated samples', async (t) => {
  const result = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!;
  t.equal(result.u, 0, 'no value of a exceeds one of b');
  t.equal(result.z.toFixed(4), '-2.5067', 'continuity-corrected z');
  t.equal(result.p.toFixed(4), '0.0122', 'as scipy 1.17 mannwhitneyu with method asymptotic');
});

t.test('Mann-Whitney U corrects for ties', async (t) => {
  const result = mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4])!;
  // Ranks: 1 -> 1; the three 2s -> 3; the three 3s -> 6; 4 -> 8. Rank sum of a = 1 + 3 + 3 + 6 = 13.
  t.equal(result.u, 3);
  // Variance = 16/12 * (9 - (24 + 24) / 56) = 10.857..., z = -(8 - 3 - 0.5) / sqrt(variance).
  t.equal(result.z.toFixed(4), (-4.5 / Math.sqrt((16 / 12) * (9 - 48 / 56))).toFixed(4));
  t.equal(result.p.toFixed(4), '0.1720', 'as scipy 1.17 mannwhitneyu with method asymptotic');
});

t.test('Mann-Whitney U on identical samples', async (t) => {
  const same = [900, 1000, 1100, 1200, 1300];
  t.equal(mannWhitneyU(same, same)!.p, 1);
  t.equal(mannWhitneyU([5, 5, 5], [5, 5])!.p, 1, 'all tied gives p 1');
  t.equal(mannWhitneyU([], [1]), null, 'empty sample gives no test');
});

t.test('compare finds a clear slowdown significant', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'voice-load-compare-'));
  writeRunFolder(join(root, 'a'), calls('a', 20, 1000, 10));
  writeRunFolder(join(root, 'b'), [...calls('b', 19, 1500, 10), { id: 'bx', startFailure: 'agent_unreachable' }]);
  const comparison = compareRuns(readRunResults(join(root, 'a')), readRunResults(join(root, 'b')));

  t.equal(comparison.significance?.significant, true);
  t.ok(comparison.significance!.p < 0.001, `p ${comparison.significance!.p} is tiny`);
  const p50 = comparison.latency.find((figure) => figure.metric === 'conv_latency_p50')!;
  t.equal(p50.change, p50.b! - p50.a!, 'absolute change is B - A');
  t.equal(p50.relative, Math.round(((p50.b! - p50.a!) / p50.a!) * 10000) / 10000, 'relative change is against A');
  t.equal(comparison.latency.length, 10, 'five figures each of conversation and turn latency');
  t.equal(comparison.completed_rate.change, -0.05, 'one call of twenty did not start');
  t.same(comparison.start_failures, [{ reason: 'agent_unreachable', a: 0, b: 1, change: 1 }]);
});

t.test('compare finds equal runs not significant', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'voice-load-compare-'));
  writeRunFolder(join(root, 'a'), calls('a', 20, 1000, 10));
  writeRunFolder(join(root, 'b'), calls('b', 20, 1000, 10));
  const comparison = compareRuns(readRunResults(join(root, 'a')), readRunResults(join(root, 'b')));

  t.equal(comparison.significance?.significant, false);
  t.equal(comparison.significance?.p, 1);
  t.ok(comparison.latency.every((figure) => figure.change === 0), 'no figure moved');
});

t.test('compare command prints table and writes page', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'voice-load-compare-'));
  writeRunFolder(join(root, 'a'), calls('a', 10, 1000, 10));
  writeRunFolder(join(root, 'b'), [...calls('b', 9, 1200, 10), { id: 'b9', turns: ['timeout'] }]);
  const { text, output } = captureOutput();
  const { htmlPath, comparison } = compareCommand({ a: join(root, 'a'), b: join(root, 'b') }, output);

  t.equal(htmlPath, join(root, 'b', 'compare.html'), 'page defaults to B/compare.html');
  t.match(text.out, /conversation latency p90 \(ms\)\s+\d+\s+>= \d+\s+\+\d+\s+\+\d+\.\d%/, 'p90 row shows A, B, change and relative');
  t.match(text.out, /Mann-Whitney U on per-conversation latency: U = /);
  t.match(text.out, />= marks a figure that rests on a timed-out turn/, 'explains the lower bound');
  t.equal(text.out, `${formatComparisonTable(comparison)}\ncomparison page: ${htmlPath}\n`);

  const html = readFileSync(htmlPath, 'utf8');
  t.match(html, /<tr data-metric="conv_latency_p90">/);
  t.match(html, /<canvas id="distribution">/);
  t.notMatch(html, /<script[^>]+src=/, 'page needs no network');
});

t.test('compare lists findings of each run', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'voice-load-compare-'));
  writeRunFolder(join(root, 'a'), calls('a', 10, 1000, 10));
  writeRunFolder(join(root, 'b'), calls('b', 10, 1000, 10));
  writeFileSync(join(root, 'a', 'findings.json'), JSON.stringify({ findings: [] }));
  writeFileSync(join(root, 'b', 'findings.json'), JSON.stringify({ findings: [{ mode: 'slow-path' }] }));
  const comparison = compareRuns(readRunResults(join(root, 'a')), readRunResults(join(root, 'b')));
  t.same(comparison.findings, { a: [], b: ['slow-path'] });
  t.match(formatComparisonTable(comparison), /New in B: slow-path\./);
});

t.test('run without findings is not diagnosed', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'voice-load-compare-'));
  writeRunFolder(join(root, 'a'), calls('a', 10, 1000, 10));
  writeRunFolder(join(root, 'b'), calls('b', 10, 1000, 10));
  const comparison = compareRuns(readRunResults(join(root, 'a')), readRunResults(join(root, 'b')));
  t.same(comparison.findings, { a: null, b: null });
  t.match(formatComparisonTable(comparison), /Findings: A not diagnosed; B not diagnosed\./);
});
