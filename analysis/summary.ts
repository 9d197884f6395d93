import { mean, quantileSorted } from 'simple-statistics';

import type { CallRecord } from '../driver/index.js';
import type { GeneratorHealth } from './generator.js';

/** Generator health on a virtual clock, where the generator's timing is not measured. */
export const VIRTUAL_GENERATOR = 'n/a (virtual)';

/** Percentiles reported everywhere, as fractions for simple-statistics. */
const PERCENTILES = Object.freeze({ p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 });
type PercentileName = keyof typeof PERCENTILES;

/** Run-level latency figures in ms, from raw values (numpy's default linear interpolation). */
export interface LatencyStats {
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  /** Values with no timed-out turn in them. */
  answered: number;
  total: number;
  /** Figures that rest on a timed-out turn, so are lower bounds (`>= turnTimeoutMs`). */
  censored: Array<'mean' | PercentileName>;
}

export interface Distribution {
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  count: number;
}

export interface Summary {
  calls: { total: number; started: number; completed: number; response_loops: number };
  completed_rate: number;
  start_failures: Record<string, number>;
  end_reasons: Record<string, number>;
  not_completed_because: Record<string, number>;
  /** Per-conversation mean turn-taking latency, across conversations. */
  conv_latency: LatencyStats;
  /** Every turn's latency. */
  turn_latency: LatencyStats;
  time_to_greeting_ms: Distribution;
  setup_ms: Distribution;
  turns: { total: number; answered: number; timed_out: number; talk_over: number; late_answers: number; fragments: number };
  content: Record<CallRecord['content'], number>;
  turn_timeout_ms: number;
  /** Whether the load generator kept its schedule; an invalid live run's figures are suspect. */
  generator: GeneratorHealth | typeof VIRTUAL_GENERATOR | null;
}

interface Sample {
  value: number;
  censored: boolean;
}

/** Aggregates call records into the run summary written as `summary.json`. */
export function summarize(records: CallRecord[], turnTimeoutMs: number, generator: Summary['generator'] = null): Summary {
  const started = records.filter((record) => record.start_failure === undefined);
  const completed = records.filter((record) => record.result_completed).length;
  const turns = started.flatMap((record) => record.turns);

  return {
    calls: { total: records.length, started: started.length, completed, response_loops: started.filter((record) => record.response_loop).length },
    completed_rate: records.length === 0 ? 0 : round(completed / records.length, 4),
    start_failures: countBy(records.flatMap((record) => (record.start_failure === undefined ? [] : [record.start_failure]))),
    end_reasons: countBy(records.map((record) => record.end_reason)),
    not_completed_because: countBy(records.flatMap((record) => record.not_completed_because)),
    conv_latency: latencyStats(conversationSamples(started)),
    turn_latency: latencyStats(turnSamples(turns, turnTimeoutMs)),
    time_to_greeting_ms: distribution(started.flatMap((record) => (record.time_to_greeting_ms === null ? [] : [record.time_to_greeting_ms]))),
    setup_ms: distribution(records.flatMap((record) => (record.setup_ms === null ? [] : [record.setup_ms]))),
    turns: {
      total: turns.length,
      answered: turns.filter((turn) => turn.latency_ms !== null).length,
      timed_out: turns.filter((turn) => turn.timed_out).length,
      talk_over: turns.filter((turn) => turn.talk_over).length,
      late_answers: turns.filter((turn) => turn.late_answer_ms !== undefined).length,
      fragments: turns.reduce((sum, turn) => sum + turn.fragments, 0),
    },
    content: { heard: 0, missing: 0, not_verified: 0, ...countBy(started.map((record) => record.content)) },
    turn_timeout_ms: turnTimeoutMs,
    generator,
  };
}

function conversationSamples(records: CallRecord[]): Sample[] {
  return records.flatMap((record) =>
    record.avg_turn_taking_latency_ms === null ? [] : [{ value: record.avg_turn_taking_latency_ms, censored: record.turns.some((turn) => turn.timed_out) }],
  );
}

function turnSamples(turns: CallRecord['turns'], turnTimeoutMs: number): Sample[] {
  return turns.flatMap((turn): Sample[] => {
    if (turn.timed_out) return [{ value: turnTimeoutMs, censored: true }];
    return turn.latency_ms === null ? [] : [{ value: turn.latency_ms, censored: false }];
  });
}

/** Mean and percentiles, marking each figure that a censored value enters. */
export function latencyStats(samples: Sample[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a.value - b.value);
  const values = sorted.map((sample) => sample.value);
  const stats: LatencyStats = {
    mean: values.length === 0 ? null : round(mean(values)),
    p50: null,
    p90: null,
    p95: null,
    p99: null,
    answered: sorted.filter((sample) => !sample.censored).length,
    total: sorted.length,
    censored: sorted.some((sample) => sample.censored) ? ['mean'] : [],
  };
  for (const [name, fraction] of Object.entries(PERCENTILES) as Array<[PercentileName, number]>) {
    if (values.length === 0) continue;
    stats[name] = round(quantileSorted(values, fraction));
    if (restsOnCensored(sorted, fraction)) stats.censored.push(name);
  }
  return stats;
}

/** True when linear interpolation at `fraction` gives weight to a censored value. */
function restsOnCensored(sorted: Sample[], fraction: number): boolean {
  const position = fraction * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]!.censored || (upper !== lower && sorted[upper]!.censored);
}

function distribution(values: number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (fraction: number) => (sorted.length === 0 ? null : round(quantileSorted(sorted, fraction)));
  return {
    mean: sorted.length === 0 ? null : round(mean(sorted)),
    p50: pick(PERCENTILES.p50),
    p90: pick(PERCENTILES.p90),
    p95: pick(PERCENTILES.p95),
    p99: pick(PERCENTILES.p99),
    count: sorted.length,
  };
}

function countBy(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
