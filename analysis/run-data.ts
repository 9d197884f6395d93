import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../core/index.js';
import type { CallRecord } from '../driver/index.js';
import type { DiagnosisInput, RunData, RunPhase } from './diagnosis/index.js';
import { isRunFolder, readRunResults } from './results-reader.js';

/** Where a run sits: alone, or as one level of a sweep. */
export interface RunContext {
  label: string;
  concurrency: number;
  phase: RunPhase;
  turnTimeoutMs: number;
}

/** Switch rejection reasons start with this prefix, such as `rejected_cps`. */
const REJECTION_PREFIX = 'rejected_';

/**
 * Collects what the detectors read from call records as they arrive: one
 * point per call and per turn, never the records themselves.
 */
export class RunDataBuilder {
  private readonly turns: RunData['turns'] = [];
  private readonly calls: RunData['calls'] = [];
  private readonly rejections: Record<string, number> = {};
  private readonly dialTimesMs: number[] = [];
  private busiest = 1;

  add(record: CallRecord): void {
    const reason = record.start_failure;
    if (reason !== undefined && reason.startsWith(REJECTION_PREFIX)) this.rejections[reason] = (this.rejections[reason] ?? 0) + 1;
    for (const point of turnPoints(record)) {
      this.turns.push(point);
      this.busiest = Math.max(this.busiest, point.activeCalls);
    }
    this.calls.push({
      callId: record.call_id,
      dialedAtMs: record.dialed_at_ms,
      setupMs: record.setup_ms,
      startFailure: record.start_failure ?? null,
      avgLatencyMs: record.avg_turn_taking_latency_ms,
      responseLoop: record.response_loop ?? false,
      repeatedReplies: record.loop_events?.repeated_replies ?? 0,
      fragments: record.turns.reduce((sum, turn) => sum + turn.fragments, 0),
      timedOutTurns: record.turns.filter((turn) => turn.timed_out).length,
      turns: record.turns.length,
    });
    this.dialTimesMs.push(record.dialed_at_ms);
  }

  /** Most calls active at any turn seen so far, at least 1: the load level of a run without a fixed cap. */
  get busiestLevel(): number {
    return this.busiest;
  }

  build(context: RunContext): RunData {
    return {
      ...context,
      turns: [...this.turns],
      calls: [...this.calls],
      rejections: { ...this.rejections },
      dialTimesMs: [...this.dialTimesMs].sort((a, b) => a - b),
    };
  }
}

/** Converts one run's call records into what the detectors read. */
export function toRunData(records: readonly CallRecord[], context: RunContext): RunData {
  const builder = new RunDataBuilder();
  for (const record of records) builder.add(record);
  return builder.build(context);
}

function turnPoints(record: CallRecord): RunData['turns'] {
  return record.turns.map((turn) => {
    const breakdown = record.switch?.turns.find((entry) => entry.turn === turn.turn);
    return {
      callId: record.call_id,
      turn: turn.turn,
      atMs: turn.at_ms ?? record.dialed_at_ms + turn.end_of_speech_ms,
      latencyMs: turn.latency_ms,
      timedOut: turn.timed_out,
      activeCalls: turn.active_calls ?? 1,
      agentResponseMs: breakdown?.agent_response_ms ?? null,
      uplinkMs: breakdown?.uplink_ms ?? null,
      playoutWaitMs: breakdown?.playout_wait_ms ?? null,
      downlinkMs: breakdown?.downlink_ms ?? null,
      fragments: turn.fragments,
    };
  });
}

/** The index a sweep writes: its levels in the order they ran. */
export interface SweepIndex {
  levels: Array<{ label: string; concurrency: number; phase: RunPhase }>;
}

export const SWEEP_INDEX_FILE = 'sweep.json';

/**
 * Reads run folders and sweep folders into one diagnosis input. A sweep
 * folder contributes its levels in order; a run folder is a single run.
 */
export function readDiagnosisInput(dirs: readonly string[]): DiagnosisInput {
  const runs: RunData[] = [];
  for (const dir of dirs) {
    if (existsSync(join(dir, SWEEP_INDEX_FILE))) {
      const index = JSON.parse(readFileSync(join(dir, SWEEP_INDEX_FILE), 'utf8')) as SweepIndex;
      for (const level of index.levels) runs.push(readRun(join(dir, level.label), level.concurrency, level.phase));
    } else if (isRunFolder(dir)) {
      runs.push(readRun(dir, null, dirs.length === 1 ? 'single' : 'up'));
    } else {
      throw new UsageError('VL_RESULTS_NOT_FOUND', `${dir} is neither a run folder (summary.json) nor a sweep folder (sweep.json)`, 'pass the --out folder of a finished `voice-load run` or `voice-load sweep`');
    }
  }
  return { runs };
}

function readRun(dir: string, concurrency: number | null, phase: RunPhase): RunData {
  const results = readRunResults(dir);
  const scenario = (results.run?.['scenario'] ?? {}) as { maxParallel?: number | string; turnTimeoutMs?: number };
  const level = concurrency ?? (typeof scenario.maxParallel === 'number' ? scenario.maxParallel : Math.max(1, ...results.records.flatMap((record) => record.turns.map((turn) => turn.active_calls ?? 1))));
  return toRunData(results.records, { label: dir, concurrency: level, phase, turnTimeoutMs: scenario.turnTimeoutMs ?? results.summary.turn_timeout_ms });
}
