import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Command } from 'commander';
import t from 'tap';

import { parseThreshold } from '../analysis/thresholds.js';
import { addCompareCommand } from '../cli/compare-command.js';
import { addReportCommand, printRunSummary, reportCommand, reportThresholds } from '../cli/report-command.js';
import { INVALID_GENERATOR, writeRunFolder } from './helpers/run-fixture.js';

function captureOutput() {
  const text = { out: '', err: '' };
  return { text, output: { out: (s: string) => void (text.out += s), err: (s: string) => void (text.err += s), interactive: false } };
}

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'voice-load-report-cli-'));
  return { dir, ...writeRunFolder(dir, [{ id: 'a', turns: [1000, 1200] }, { id: 'b', turns: [1500, 1300] }]) };
}

t.test('report command writes report.html', async (t) => {
  const { dir } = fixture();
  const { text, output } = captureOutput();
  const path = reportCommand(dir, output);
  t.equal(path, join(dir, 'report.html'));
  t.ok(existsSync(path));
  t.equal(text.out, `report: ${path}\n`);
});

t.test('report subcommand parses its folder', async (t) => {
  const { dir } = fixture();
  const { text, output } = captureOutput();
  const program = new Command('voice-load').exitOverride();
  addReportCommand(program, output);
  addCompareCommand(program, output);
  await program.parseAsync(['report', dir], { from: 'user' });
  t.match(text.out, /^report: .*report\.html\n$/);

  await program.parseAsync(['compare', dir, dir, '--html', join(dir, 'same.html')], { from: 'user' });
  t.ok(existsSync(join(dir, 'same.html')), '--html sets the page path');
});

t.test('json summary is all of stdout', async (t) => {
  const { dir, summary } = fixture();
  const { text, output } = captureOutput();
  printRunSummary(summary, dir, output, true);
  t.same(JSON.parse(text.out), JSON.parse(JSON.stringify(summary)), 'stdout parses as the summary');
  t.match(text.err, /conversation latency \(ms\)/, 'table goes to stderr');
});

t.test('table summary goes to stdout', async (t) => {
  const { dir, summary } = fixture();
  const { text, output } = captureOutput();
  printRunSummary(summary, dir, output, false);
  t.match(text.out, /conversation latency \(ms\)/);
  t.match(text.out, new RegExp(`results: ${dir}\\n$`));
  t.equal(text.err, '');
});

t.test('thresholds set exit status and print results', async (t) => {
  const { summary } = fixture();
  const { text, output } = captureOutput();
  t.equal(reportThresholds(summary, [parseThreshold('conv_latency_p90<100'), parseThreshold('completed_rate>=0.99')], output), 3);
  t.match(text.err, /threshold conv_latency_p90<100: FAILED \(\d+(\.\d+)?\): limit not met/);
  t.match(text.err, /threshold completed_rate>=0.99: passed \(1\)/);
  t.match(text.err, /thresholds: 1 of 2 failed\n$/);
  t.equal(text.out, '', 'stdout stays free for --json');

  t.equal(reportThresholds(summary, [parseThreshold('conv_latency_p90<100000')], captureOutput().output), 0);
  t.equal(reportThresholds(summary, [], captureOutput().output), 0, 'no thresholds, status 0');
  t.equal(reportThresholds({ ...summary, generator: INVALID_GENERATOR }, [parseThreshold('conv_latency_p90<100000')], captureOutput().output), 3, 'invalid run fails');
});
