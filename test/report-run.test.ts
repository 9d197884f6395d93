import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
});
