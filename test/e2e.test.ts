import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import t from 'tap';

import { runCommand } from '../cli/run-command.js';
import { runStack } from './helpers/stack.js';

function captureOutput() {
  const text = { out: '', err: '' };
  return { text, output: { out: (s: string) => void (text.out += s), err: (s: string) => void (text.err += s), interactive: false } };
}

t.test('bundled scenario completes every call', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'voice-load-e2e-'));
  const { text, output } = captureOutput();
  const outcome = await runCommand({ overrides: {}, outDir }, output);

  const lines = readFileSync(join(outDir, 'calls.jsonl'), 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(records.length, 10, 'five rows x two repeats');
  for (const record of records) {
    t.equal(record['result_completed'], true, `${record['call_id']} completed`);
    t.equal(record['content'], 'heard', `${record['call_id']} heard the expected result's mark`);
    t.equal((record['turns'] as unknown[]).length, 3, `${record['call_id']} has three turns`);
    t.ok(record['switch'], `${record['call_id']} holds the switch record`);
    t.notOk('start_failure' in record, `${record['call_id']} started`);
  }

  const summary = JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8'));
  t.equal(summary.completed_rate, 1);
  t.equal(summary.conv_latency.total, 10);
  t.equal(summary.turn_latency.answered, 30);
  for (const key of ['mean', 'p50', 'p90', 'p95', 'p99']) {
    t.type(summary.conv_latency[key], 'number', `conv_latency.${key} is a number`);
    t.ok(summary.conv_latency[key] > 500 && summary.conv_latency[key] < 4000, `conv_latency.${key} ${summary.conv_latency[key]} ms is plausible`);
  }
  t.same(summary, JSON.parse(JSON.stringify(outcome.summary)), 'summary.json matches the returned summary');

  const run = JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8'));
  t.equal(run.scenario.repeats, 2);
  t.equal(run.scenario.maxParallel, 10);
  t.match(text.out, /conversation latency \(ms\)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+10\/10/, 'table prints mean, p50, p90, p95, p99');
});

t.test('agent slower than the turn timeout times out', async (t) => {
  const { records } = await runStack(
    { repeats: 1, maxTurns: 1, turnTimeoutMs: 1500, maxParallel: 5 },
    { stages: { llm: { medianMs: 2500, sigma: 0 } } },
  );
  t.equal(records.length, 5);
  for (const record of records) {
    const turn = record.turns[0]!;
    t.equal(turn.timed_out, true, `${record.call_id} turn 1 timed out`);
    t.equal(turn.latency_ms, null, 'no latency for a timed-out turn');
    t.equal(record.avg_turn_taking_latency_ms, 1500, 'censored at turnTimeoutMs');
    t.equal(record.result_completed, false);
    t.ok(record.not_completed_because.includes('turn_timed_out'), 'reason names the timeout');
  }
});
