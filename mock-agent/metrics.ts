import { STAGE_NAMES, type StageName } from './config.js';
import type { FaultMetrics } from './faults.js';
import type { CallEndRecord, TurnRecord } from './records.js';

/** Content type of the Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const PREFIX = 'voice_load_mock_';

/**
 * Counters behind the mock agent's `GET /metrics`, fed by the agent's
 * `onTurn` and `onCallEnd` listeners, plus the fault model's live gauges
 * and counters read at scrape time.
 */
export interface MockMetrics {
  recordTurn(record: TurnRecord): void;
  recordCallEnd(record: CallEndRecord): void;
  /** Renders every metric in Prometheus text format, with `activeCalls` and `faults` read from the agent at scrape time. */
  render(activeCalls: number, faults?: FaultMetrics): string;
}

export function createMockMetrics(): MockMetrics {
  let turnsAnswered = 0;
  const callsEnded = new Map<string, number>();
  const invalidMessages = new Map<string, number>();
  const stageSeconds = new Map<StageName, number>(STAGE_NAMES.map((name) => [name, 0]));

  return {
    recordTurn(record) {
      turnsAnswered += 1;
      for (const name of STAGE_NAMES) stageSeconds.set(name, stageSeconds.get(name)! + record.stageMs[name] / 1000);
    },

    recordCallEnd(record) {
      increment(callsEnded, record.reason, 1);
      for (const [reason, count] of Object.entries(record.invalidMessages)) increment(invalidMessages, reason, count);
    },

    render(activeCalls, faults) {
      const ended = [...callsEnded.values()].reduce((sum, count) => sum + count, 0);
      return [
        ...(faults === undefined ? [] : renderFaults(faults)),
        gauge('active_calls', 'Media streams in progress.', [[{}, activeCalls]]),
        counter('calls_total', 'Media streams accepted, in progress or ended.', [[{}, ended + activeCalls]]),
        counter('calls_ended_total', 'Media streams ended, by reason.', labelled('reason', callsEnded)),
        counter('turns_answered_total', 'Caller turns answered.', [[{}, turnsAnswered]]),
        counter('stage_seconds_total', 'Seconds answered turns spent in each think stage, queueing included.', labelled('stage', stageSeconds)),
        counter('invalid_messages_total', 'Invalid messages from the switch, by reason, counted when their stream ends.', labelled('reason', invalidMessages)),
      ].join('');
    },
  };
}

function perStage(values: Record<StageName, number>): Sample[] {
  return STAGE_NAMES.map((name) => [{ stage: name }, values[name]]);
}

function renderFaults(faults: FaultMetrics): string[] {
  return [
    gauge('stage_active_requests', 'Requests in each think stage, waiting or served.', perStage(faults.activeRequests)),
    gauge('stage_queued_requests', 'Requests waiting for a slot in each think stage.', perStage(faults.queuedRequests)),
    counter('stage_queue_wait_seconds_total', 'Seconds requests waited for a slot, a token or a backoff, per stage.', perStage(Object.fromEntries(STAGE_NAMES.map((name) => [name, faults.queueWaitMs[name] / 1000])) as Record<StageName, number>)),
    counter('stage_timeouts_total', 'Attempts abandoned at the stage timeout.', perStage(faults.timeouts)),
    counter('stage_retries_total', 'New attempts after a timeout or a rate-limit rejection.', perStage(faults.retries)),
    counter('stage_rate_limited_total', 'Requests that found the stage token bucket empty.', perStage(faults.rateLimited)),
    counter('stage_dropped_total', 'Answers and greetings given up in each stage.', perStage(faults.dropped)),
    counter('fragments_total', 'Partial answers sent by TTS attempts that timed out.', [[{}, faults.fragments]]),
    gauge('retained_sockets', 'Provider sockets kept for good by a cap leak.', [[{}, faults.retainedSockets]]),
    gauge('retained_bytes', 'Bytes kept for good by retainBytesPerCall.', [[{}, faults.retainedBytes]]),
  ];
}

type Labels = Record<string, string>;
type Sample = [Labels, number];

function increment<K>(map: Map<K, number>, key: K, by: number): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function labelled<K extends string>(label: string, values: Map<K, number>): Sample[] {
  return [...values].map(([key, value]) => [{ [label]: key }, value]);
}

function gauge(name: string, help: string, samples: Sample[]): string {
  return family(name, 'gauge', help, samples);
}

function counter(name: string, help: string, samples: Sample[]): string {
  return family(name, 'counter', help, samples);
}

function family(name: string, type: string, help: string, samples: Sample[]): string {
  const fullName = PREFIX + name;
  const lines = [`# HELP ${fullName} ${help}`, `# TYPE ${fullName} ${type}`];
  for (const [labels, value] of samples) lines.push(`${fullName}${formatLabels(labels)} ${value}`);
  return `${lines.join('\n')}\n`;
}

function formatLabels(labels: Labels): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** Escapes a label value as the exposition format requires: backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
