import { basename, resolve } from 'node:path';

import { mean, quantileSorted } from 'simple-statistics';

import type { CallRecord, TurnRecord } from '../../driver/index.js';
import type { RunInfo, RunResults } from '../results-reader.js';
import type { Summary } from '../summary.js';
import { diagnosisView, type DiagnosisView } from './diagnosis-section.js';
import { readReportFiles, type ReportFiles } from './run-files.js';
import { switchMetricsView, type SwitchMetricsView } from './switch-section.js';

/** Target bin count of the latency histogram; the width is rounded to 1, 2 or 5 times a power of ten. */
const HISTOGRAM_TARGET_BINS = 20;

/** The four parts of a turn's latency in the switch's call record, in the order they happen. */
export const BREAKDOWN_COMPONENTS = Object.freeze(['uplink_ms', 'agent_response_ms', 'playout_wait_ms', 'downlink_ms'] as const);
export type BreakdownComponent = (typeof BREAKDOWN_COMPONENTS)[number];

/** Histogram of per-conversation latency; conversations with a timed-out turn are counted apart. */
export interface LatencyHistogram {
  binWidthMs: number;
  /** Lower edge of each bin, ms. */
  binStartsMs: number[];
  answered: number[];
  censored: number[];
}

/** One point of latency against time in the run: x in seconds from the run's start, y in ms. */
export interface TimePoint {
  x: number;
  y: number;
  call: string;
  turn: number;
}

export interface BreakdownFigure {
  component: BreakdownComponent;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  count: number;
}

/** One turn as the call detail view draws it; times are ms from the call's dial. */
export interface TurnView extends TurnRecord {
  breakdown: Partial<Record<BreakdownComponent, number | null>> | null;
}

/** One call as the table and the detail view show it. */
export interface CallView {
  call_id: string;
  row: number;
  repeat: number;
  dialed_at_s: number;
  duration_ms: number;
  completed: boolean;
  not_completed_because: string[];
  end_reason: string;
  start_failure: string | null;
  setup_ms: number | null;
  time_to_greeting_ms: number | null;
  avg_latency_ms: number | null;
  /** True when a timed-out turn enters `avg_latency_ms`, which is then a lower bound. */
  avg_latency_censored: boolean;
  max_turn_latency_ms: number | null;
  answered_turns: number;
  total_turns: number;
  talk_overs: number;
  content: CallRecord['content'];
  expected_result: string;
  marks: CallRecord['marks'];
  turns: TurnView[];
  error: string | null;
  /** Path of the call's recording relative to the report, or null when there is none. */
  recording: string | null;
}

/** Everything the report page shows, embedded in it as JSON. */
export interface ReportModel {
  title: string;
  run: Pick<RunInfo, 'started_at' | 'finished_at' | 'scenario_path' | 'mode' | 'version'> | null;
  summary: Summary;
  histogram: LatencyHistogram;
  timeline: { answered: TimePoint[]; timedOut: TimePoint[]; talkOver: TimePoint[] };
  breakdown: BreakdownFigure[];
  calls: CallView[];
  /** The run's `findings.json`, or null when the folder has none. */
  diagnosis: DiagnosisView | null;
  /** The run's `switch-metrics.jsonl` as chart series, or null when the folder has no usable one. */
  switchMetrics: SwitchMetricsView | null;
}

/**
 * Builds the report's data from a run folder's contents. `files` defaults
 * to the folder's `findings.json` and `switch-metrics.jsonl`, read from
 * `results.dir`.
 */
export function buildReportModel(results: RunResults, files: ReportFiles = readReportFiles(results.dir)): ReportModel {
  const started = results.records.filter((record) => record.start_failure === undefined);
  return {
    title: basename(resolve(results.dir)),
    run: results.run === null ? null : pickRunInfo(results.run),
    summary: results.summary,
    diagnosis: files.findings === null ? null : diagnosisView(files.findings),
    switchMetrics: files.switchSamples === null ? null : switchMetricsView(files.switchSamples),
    histogram: latencyHistogram(started),
    timeline: latencyTimeline(started, results.summary.turn_timeout_ms),
    breakdown: latencyBreakdown(started),
    calls: results.records.map((record) => callView(record, results.recordings.has(record.call_id))),
  };
}

function pickRunInfo(run: RunInfo): ReportModel['run'] {
  const { started_at, finished_at, scenario_path, mode, version } = run;
  return { started_at, finished_at, scenario_path, mode, version };
}

/** Bins the started calls' per-conversation latency. */
export function latencyHistogram(records: CallRecord[]): LatencyHistogram {
  const samples = records.flatMap((record) => (record.avg_turn_taking_latency_ms === null ? [] : [{ value: record.avg_turn_taking_latency_ms, censored: isCensored(record) }]));
  if (samples.length === 0) return { binWidthMs: 0, binStartsMs: [], answered: [], censored: [] };

  const values = samples.map((sample) => sample.value);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const width = niceBinWidth((high - low) / HISTOGRAM_TARGET_BINS);
  const first = Math.floor(low / width) * width;
  const bins = Math.floor((high - first) / width) + 1;
  const histogram: LatencyHistogram = {
    binWidthMs: width,
    binStartsMs: Array.from({ length: bins }, (_, index) => first + index * width),
    answered: new Array<number>(bins).fill(0),
    censored: new Array<number>(bins).fill(0),
  };
  for (const sample of samples) {
    const bin = Math.min(bins - 1, Math.floor((sample.value - first) / width));
    if (sample.censored) histogram.censored[bin]!++;
    else histogram.answered[bin]!++;
  }
  return histogram;
}

/** Rounds a raw bin width up to 1, 2 or 5 times a power of ten, at least 1 ms. */
function niceBinWidth(raw: number): number {
  if (!(raw > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((factor) => factor * power >= raw)!;
  return step * power;
}

/** Places each turn's latency at its end of caller speech on the run's timeline. Timed-out turns sit at the timeout and talk-overs at 0. */
export function latencyTimeline(records: CallRecord[], turnTimeoutMs: number): ReportModel['timeline'] {
  const timeline: ReportModel['timeline'] = { answered: [], timedOut: [], talkOver: [] };
  for (const record of records) {
    for (const turn of record.turns) {
      const x = round((record.dialed_at_ms + turn.end_of_speech_ms) / 1000, 3);
      const point = { x, call: record.call_id, turn: turn.turn };
      if (turn.talk_over) timeline.talkOver.push({ ...point, y: 0 });
      else if (turn.timed_out) timeline.timedOut.push({ ...point, y: turnTimeoutMs });
      else if (turn.latency_ms !== null) timeline.answered.push({ ...point, y: turn.latency_ms });
    }
  }
  return timeline;
}

/** Mean, p50 and p90 of each part of the switch's latency breakdown, over every turn that has it. */
export function latencyBreakdown(records: CallRecord[]): BreakdownFigure[] {
  const turns = records.flatMap((record) => record.switch?.turns ?? []);
  return BREAKDOWN_COMPONENTS.map((component) => {
    const values = turns.flatMap((turn) => (typeof turn[component] === 'number' ? [turn[component]] : [])).sort((a, b) => a - b);
    const pick = (fraction: number) => (values.length === 0 ? null : round(quantileSorted(values, fraction), 1));
    return { component, mean: values.length === 0 ? null : round(mean(values), 1), p50: pick(0.5), p90: pick(0.9), count: values.length };
  });
}

function callView(record: CallRecord, hasRecording: boolean): CallView {
  const latencies = record.turns.flatMap((turn) => (turn.latency_ms === null ? [] : [turn.latency_ms]));
  return {
    call_id: record.call_id,
    row: record.row,
    repeat: record.repeat,
    dialed_at_s: round(record.dialed_at_ms / 1000, 3),
    duration_ms: record.duration_ms,
    completed: record.result_completed,
    not_completed_because: record.not_completed_because,
    end_reason: record.end_reason,
    start_failure: record.start_failure ?? null,
    setup_ms: record.setup_ms,
    time_to_greeting_ms: record.time_to_greeting_ms,
    avg_latency_ms: record.avg_turn_taking_latency_ms,
    avg_latency_censored: isCensored(record),
    max_turn_latency_ms: latencies.length === 0 ? null : Math.max(...latencies),
    answered_turns: record.answered_turns,
    total_turns: record.total_turns,
    talk_overs: record.turns.filter((turn) => turn.talk_over).length,
    content: record.content,
    expected_result: record.expected_result,
    marks: record.marks,
    turns: record.turns.map((turn) => ({ ...turn, breakdown: turnBreakdown(record, turn.turn) })),
    error: record.error ?? null,
    recording: hasRecording ? `recordings/${encodeURIComponent(record.call_id)}.wav` : null,
  };
}

function turnBreakdown(record: CallRecord, turn: number): TurnView['breakdown'] {
  const entry = record.switch?.turns.find((candidate) => candidate.turn === turn);
  if (entry === undefined) return null;
  return Object.fromEntries(BREAKDOWN_COMPONENTS.map((component) => [component, entry[component]]));
}

function isCensored(record: CallRecord): boolean {
  return record.turns.some((turn) => turn.timed_out);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
