import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';

import { buildReportModel, writeReport } from '../analysis/report/index.js';
import { readRunResults } from '../analysis/results-reader.js';
import { evaluateThresholds, parseThreshold } from '../analysis/thresholds.js';
import { runCommand } from '../cli/run-command.js';

/** Two rows of the bundled scenario, whose speech is prepared in scenarios/audio. */
const SCENARIO = `rows:
  - input: "Hi, I would like to know the current balance on my account."
    result: "Your current balance is forty two dollars and fifty cents."
  - input: "Hello, when does my subscription renew?"
    result: "Your subscription renews on the first of March."
repeats: 1
maxTurns: 1
maxParallel: 2
seed: report-run
`;

t.test('report of a real two-call run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-run-'));
  const scenarioPath = join(dir, 'two-calls.yaml');
  writeFileSync(scenarioPath, SCENARIO);
  const outDir = join(dir, 'out');
  const output = { out: () => undefined, err: () => undefined, interactive: false };
  const outcome = await runCommand({ scenarioPath, overrides: {}, outDir }, output);

  const html = readFileSync(writeReport(outDir), 'utf8');
  const model = buildReportModel(readRunResults(outDir));
  t.equal(model.calls.length, 2, 'one row per call');
  t.equal(model.timeline.answered.length, outcome.summary.turn_latency.answered, 'a point per answered turn');
  t.ok(model.breakdown.every((figure) => figure.count === outcome.summary.turn_latency.answered), 'switch breakdown for every answered turn');
  t.match(html, new RegExp(`data-metric="conv_latency_p50"><div class="label">[^<]+</div><div class="value">${Math.round(outcome.summary.conv_latency.p50!)} ms<`), 'p50 card shows the summary figure');
  const evaluation = evaluateThresholds(outcome.summary, [parseThreshold('completed_rate>=1'), parseThreshold('conv_latency_p90<8000')]);
  const generator = outcome.summary.generator;
  const valid = typeof generator !== 'object' || generator === null || generator.valid;
  if (!valid) t.comment(`load generator judged the run invalid: ${(generator as { reasons: string[] }).reasons.join('; ')}`);
  const expected = valid ? 'passed' : 'invalid_run';
  t.same(evaluation.results.map((result) => result.failure ?? 'passed'), [expected, expected], 'thresholds pass on a valid run and fail on an invalid one');
  t.equal(html.includes('id="invalid-run"'), !valid, 'banner shown only for an invalid run');
  t.equal(model.diagnosis !== null, valid, 'findings.json read for a valid run, which is the only kind diagnosed');
  t.equal(html.includes('id="diagnosis-not-recorded"'), !valid, 'diagnosis not recorded only for an invalid run');
  const switchFile = existsSync(join(outDir, 'switch-metrics.jsonl'));
  t.equal(model.switchMetrics !== null, switchFile, 'switch series only with switch-metrics.jsonl');
  t.equal(html.includes('id="switch-metrics"'), switchFile, 'switch section only with switch-metrics.jsonl');
});

t.test('report of a simulated run with a rate limit', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-run-'));
  const scenarioPath = join(dir, 'two-calls.yaml');
  writeFileSync(scenarioPath, SCENARIO);
  const outDir = join(dir, 'out');
  const output = { out: () => undefined, err: () => undefined, interactive: false };
  const outcome = await runCommand({ scenarioPath, overrides: {}, outDir, mode: 'sim', switchOptions: { callsPerSecond: 1, cpsBurst: 1 } }, output);
  t.same(outcome.summary.start_failures, { rejected_cps: 1 }, 'the second dial is over the rate limit');

  const written = readFileSync(join(outDir, 'report.html'), 'utf8');
  t.match(written, '<canvas id="switch-calls"></canvas>', 'the report written by the run has the switch chart');
  t.match(written, '<canvas id="switch-counters"></canvas>', 'and the rejection chart');

  const html = readFileSync(writeReport(outDir), 'utf8');
  const model = buildReportModel(readRunResults(outDir));
  const lines = readFileSync(join(outDir, 'switch-metrics.jsonl'), 'utf8').split('\n').filter((line) => line !== '');
  t.equal(model.switchMetrics?.seconds.length, lines.length, 'a point per sample');
  t.ok(Math.max(...(model.switchMetrics?.calls[0]?.values ?? []).map((value) => value ?? 0)) >= 1, 'active calls seen during the run');
  t.same(model.switchMetrics?.counters.map((series) => series.label), ['rejected_cps']);
  t.equal(model.switchMetrics?.counters[0]?.values.at(-1), 1, 'the last sample counts the rejection');

  t.ok(model.diagnosis !== null, 'a simulated run is diagnosed');
  t.equal(html.includes('id="diagnosis-not-recorded"'), false);
  for (const finding of model.diagnosis?.findings ?? []) t.match(html, `data-mode="${finding.mode}"`, `finding ${finding.mode} shown`);
});
