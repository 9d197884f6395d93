import t from 'tap';

import { latencyStats, summarize, formatSummaryTable } from '../analysis/index.js';
import type { CallRecord, TurnRecord } from '../driver/index.js';

function turn(latency: number | null, extra: Partial<TurnRecord> = {}): TurnRecord {
  return {
    turn: 1, text: 'x', at_ms: 0, active_calls: 1, latency_ms: latency, timed_out: false, talk_over: false,
    speech_start_ms: 0, end_of_speech_ms: 0, onset_ms: null, first_audio_ms: null, answer_end_ms: null, fragments: 0, ...extra,
  };
}

function call(id: string, turns: TurnRecord[], extra: Partial<CallRecord> = {}): CallRecord {
  const values = turns.map((entry) => (entry.timed_out ? 8000 : entry.latency_ms)).filter((value): value is number => value !== null);
  return {
    call_id: id, row: 0, repeat: 1, number: '+15550100', result_completed: true, not_completed_because: [], end_reason: 'completed',
    dialed_at_ms: 0, duration_ms: 1000, setup_ms: 10, time_to_greeting_ms: 50,
    avg_turn_taking_latency_ms: values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length,
    answered_turns: turns.filter((entry) => entry.latency_ms !== null).length, total_turns: turns.length, turns,
    response_loop: false, loop_events: { repeated_replies: 0, fragments: 0, unprompted: 0 }, expected_result: 'r', content: 'heard', marks: [], frames_sent: 0, frames_expected: 0, frames_received: 0, send_lag_ms: { p50: 0, max: 0 }, receive_lag_ms: { p50: 0, max: 0 }, switch: null, ...extra,
  };
}

t.test('percentiles interpolate as numpy does', async (t) => {
  const stats = latencyStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((value) => ({ value, censored: false })));
  t.equal(stats.p90, 9.1);
  t.equal(stats.p50, 5.5);
  t.equal(stats.mean, 5.5);
  t.same(stats.censored, []);
});

t.test('percentile on a censored value is marked', async (t) => {
  const samples = [100, 200, 300, 400].map((value) => ({ value, censored: false }));
  samples.push({ value: 8000, censored: true });
  const stats = latencyStats(samples);
  t.ok(stats.censored.includes('p99'), 'p99 rests on the timeout');
  t.ok(stats.censored.includes('mean'), 'mean includes the timeout');
  t.notOk(stats.censored.includes('p50'), 'p50 falls on answered turns');
  t.equal(stats.answered, 4);
  t.equal(stats.total, 5);
});

t.test('summary counts completion and start failures', async (t) => {
  const records = [
    call('a', [turn(1000), turn(1200)]),
    call('b', [turn(null, { timed_out: true })], { result_completed: false, not_completed_because: ['turn_timed_out'] }),
    call('c', [], { result_completed: false, start_failure: 'unknown_number', end_reason: 'rejected', not_completed_because: ['start_failure'], setup_ms: null }),
  ];
  const summary = summarize(records, 8000);
  t.equal(summary.completed_rate, 0.3333);
  t.same(summary.start_failures, { unknown_number: 1 });
  t.equal(summary.conv_latency.total, 2, 'conversations that started');
  t.equal(summary.conv_latency.answered, 1, 'one conversation without a timeout');
  t.equal(summary.turn_latency.total, 3);
  t.equal(summary.turns.timed_out, 1);
  t.equal(summary.calls.started, 2);
});

t.test('talk-over turns stay out of the latency figures', async (t) => {
  const summary = summarize([call('a', [turn(900), turn(null, { talk_over: true, talk_over_offset_ms: -300 })])], 8000);
  t.equal(summary.turn_latency.total, 1);
  t.equal(summary.turns.talk_over, 1);
});

t.test('table shows censored figures as lower bounds', async (t) => {
  const summary = summarize([call('a', [turn(null, { timed_out: true })], { result_completed: false })], 8000);
  t.match(formatSummaryTable(summary), />=8000/);
});
