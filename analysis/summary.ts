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

/**
 * Builds the run summary one call record at a time. It keeps counts and one
 * number per conversation and per turn for the percentiles, never the
 * records themselves, so a run of any length holds only those numbers.
 */
export class SummaryBuilder {
  private calls = 0;
  private started = 0;
  private completed = 0;
  private responseLoops = 0;
  private readonly startFailures: Record<string, number> = {};
  private readonly endReasons: Record<string, number> = {};
  private readonly notCompletedBecause: Record<string, number> = {};
  private readonly conversations: Sample[] = [];
  private readonly turnValues: Sample[] = [];
  private readonly greetings: number[] = [];
  private readonly setups: number[] = [];
  private readonly turnCounts = { total: 0, answered: 0, timed_out: 0, talk_over: 0, late_answers: 0, fragments: 0 };
  private readonly content: Record<CallRecord['content'], number> = { heard: 0, missing: 0, not_verified: 0 };

  constructor(private readonly turnTimeoutMs: number) {}

  add(record: CallRecord): void {
    this.calls++;
    if (record.result_completed) this.completed++;
    count(this.endReasons, record.end_reason);
    for (const reason of record.not_completed_because) count(this.notCompletedBecause, reason);
    if (record.setup_ms !== null) this.setups.push(record.setup_ms);
    if (record.start_failure !== undefined) {
      count(this.startFailures, record.start_failure);
      return;
    }

    this.started++;
    if (record.response_loop) this.responseLoops++;
    this.content[record.content]++;
    if (record.time_to_greeting_ms !== null) this.greetings.push(record.time_to_greeting_ms);
    if (record.avg_turn_taking_latency_ms !== null) {
      this.conversations.push({ value: record.avg_turn_taking_latency_ms, censored: record.turns.some((turn) => turn.timed_out) });
    }
    for (const turn of record.turns) {
      this.turnCounts.total++;
      if (turn.latency_ms !== null) this.turnCounts.answered++;
      if (turn.timed_out) this.turnCounts.timed_out++;
      if (turn.talk_over) this.turnCounts.talk_over++;
      if (turn.late_answer_ms !== undefined) this.turnCounts.late_answers++;
      this.turnCounts.fragments += turn.fragments;
      if (turn.timed_out) this.turnValues.push({ value: this.turnTimeoutMs, censored: true });
      else if (turn.latency_ms !== null) this.turnValues.push({ value: turn.latency_ms, censored: false });
    }
  }

  summary(generator: Summary['generator'] = null): Summary {
    return {
      calls: { total: this.calls, started: this.started, completed: this.completed, response_loops: this.responseLoops },
      completed_rate: this.calls === 0 ? 0 : round(this.completed / this.calls, 4),
      start_failures: { ...this.startFailures },
      end_reasons: { ...this.endReasons },
      not_completed_because: { ...this.notCompletedBecause },
      conv_latency: latencyStats(this.conversations),
      turn_latency: latencyStats(this.turnValues),
      time_to_greeting_ms: distribution(this.greetings),
      setup_ms: distribution(this.setups),
      turns: { ...this.turnCounts },
      content: { ...this.content },
      turn_timeout_ms: this.turnTimeoutMs,
      generator,
    };
  }
}

/** Aggregates call records into the run summary written as `summary.json`. */
export function summarize(records: readonly CallRecord[], turnTimeoutMs: number, generator: Summary['generator'] = null): Summary {
  const builder = new SummaryBuilder(turnTimeoutMs);
  for (const record of records) builder.add(record);
  return builder.summary(generator);
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

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
