import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { summarize, type GeneratorHealth, type Summary } from '../../analysis/index.js';
import type { CallDetailRecord } from '../../core/index.js';
import type { CallRecord, TurnRecord } from '../../driver/index.js';

export const FIXTURE_TURN_TIMEOUT_MS = 8000;

/** What a fixture turn is: an answer after `latency` ms, a timeout, or a talk-over. */
export type TurnSpec = number | 'timeout' | 'talk_over';

export interface CallSpec {
  id: string;
  turns?: TurnSpec[];
  startFailure?: string;
  dialedAtMs?: number;
  expectedResult?: string;
}

/** A switch record whose breakdown splits each answered turn's latency 10 / rest-60 / 20 / 30 ms. */
function switchRecord(callId: string, turns: TurnRecord[]): CallDetailRecord {
  return {
    call_id: callId,
    call_sid: `CA${callId}`,
    stream_sid: `MZ${callId}`,
    number: '+15550100',
    agent_url: 'ws://127.0.0.1:1/media',
    setup_ms: 40,
    admission_wait_ms: 0,
    playout_phase_ms: 5,
    end_reason: 'caller_hangup',
    frames_from_caller: 500,
    frames_to_agent: 500,
    agent_media_messages: 40,
    agent_media_bytes: 64000,
    frames_to_caller: 400,
    frames_dropped: 0,
    uplink_frames_lost: 0,
    uplink_frames_late: 0,
    downlink_frames_lost: 0,
    downlink_frames_late: 0,
    dtmf_from_caller: 0,
    dtmf_from_agent: 0,
    marks_received: 1,
    marks_played: 1,
    protocol_warnings: {},
    turns: turns.map((turn) => ({
      turn: turn.turn,
      uplink_ms: 10,
      agent_response_ms: turn.latency_ms === null ? null : turn.latency_ms - 60,
      playout_wait_ms: turn.latency_ms === null ? null : 20,
      downlink_ms: turn.latency_ms === null ? null : 30,
      flagged_chunk: turn.turn * 100,
    })),
  };
}

function turnRecord(index: number, spec: TurnSpec, startMs: number): TurnRecord {
  const endOfSpeech = startMs + 1500;
  const base = { turn: index + 1, text: `question ${index + 1}`, at_ms: endOfSpeech, active_calls: 1, speech_start_ms: startMs, end_of_speech_ms: endOfSpeech, fragments: 0 };
  if (spec === 'timeout') {
    return { ...base, latency_ms: null, timed_out: true, talk_over: false, onset_ms: null, first_audio_ms: null, answer_end_ms: null };
  }
  if (spec === 'talk_over') {
    return { ...base, latency_ms: null, timed_out: false, talk_over: true, talk_over_offset_ms: 300, onset_ms: endOfSpeech - 300, first_audio_ms: endOfSpeech - 320, answer_end_ms: endOfSpeech + 2000 };
  }
  const onset = endOfSpeech + spec;
  return { ...base, latency_ms: spec, timed_out: false, talk_over: false, onset_ms: onset, first_audio_ms: onset - 20, answer_end_ms: onset + 2500 };
}

/** Builds a call record shaped as the driver writes it. */
export function makeCallRecord(spec: CallSpec, index = 0): CallRecord {
  const dialedAt = spec.dialedAtMs ?? index * 100;
  const base = {
    call_id: spec.id,
    row: index % 5,
    repeat: Math.floor(index / 5),
    number: '+15550100',
    dialed_at_ms: dialedAt,
    expected_result: spec.expectedResult ?? 'Your balance is 42 dollars.',
    frames_sent: 500,
    frames_expected: 500,
    frames_received: 480,
    send_lag_ms: { p50: 0.2, max: 2 },
    receive_lag_ms: { p50: 0.3, max: 3 },
    response_loop: false,
    loop_events: { repeated_replies: 0, fragments: 0, unprompted: 0 },
  };
  if (spec.startFailure !== undefined) {
    return {
      ...base,
      result_completed: false,
      not_completed_because: ['not_started'],
      end_reason: 'rejected',
      start_failure: spec.startFailure,
      duration_ms: 30,
      setup_ms: null,
      time_to_greeting_ms: null,
      avg_turn_taking_latency_ms: null,
      answered_turns: 0,
      total_turns: 0,
      turns: [],
      content: 'not_verified',
      marks: [],
      switch: null,
    };
  }

  const turns: TurnRecord[] = [];
  let start = 2000;
  for (const [turnIndex, turnSpec] of (spec.turns ?? [1000]).entries()) {
    const turn = turnRecord(turnIndex, turnSpec, start);
    turns.push(turn);
    start = (turn.answer_end_ms ?? turn.end_of_speech_ms + FIXTURE_TURN_TIMEOUT_MS) + 300;
  }
  const counted = turns.filter((turn) => !turn.talk_over).map((turn) => (turn.timed_out ? FIXTURE_TURN_TIMEOUT_MS : turn.latency_ms!));
  const problems = [...(turns.some((turn) => turn.timed_out) ? ['turn_timed_out'] : []), ...(turns.some((turn) => turn.talk_over) ? ['talk_over'] : [])];
  return {
    ...base,
    result_completed: problems.length === 0,
    not_completed_because: problems,
    end_reason: 'completed',
    duration_ms: start,
    setup_ms: 40,
    time_to_greeting_ms: 15 + index,
    avg_turn_taking_latency_ms: counted.length === 0 ? null : counted.reduce((sum, value) => sum + value, 0) / counted.length,
    answered_turns: turns.filter((turn) => turn.latency_ms !== null).length,
    total_turns: turns.length,
    turns,
    content: problems.length === 0 ? 'heard' : 'missing',
    marks: turns.flatMap((turn) => (turn.answer_end_ms === null ? [] : [{ name: `answer:${turn.turn}`, at_ms: turn.answer_end_ms - 700 }])),
    switch: switchRecord(spec.id, turns),
  };
}

/** Writes `calls.jsonl`, `summary.json` and `run.json` for `specs` to `dir`, and returns the summary. */
export function writeRunFolder(dir: string, specs: CallSpec[], options: { generator?: GeneratorHealth | null; startedAt?: string } = {}): { summary: Summary; records: CallRecord[] } {
  mkdirSync(dir, { recursive: true });
  const records = specs.map((spec, index) => makeCallRecord(spec, index));
  const summary = summarize(records, FIXTURE_TURN_TIMEOUT_MS, options.generator ?? null);
  writeFileSync(join(dir, 'calls.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify({ tool: 'voice-load', started_at: options.startedAt ?? '2025-01-02T03:04:05.000Z', finished_at: '2025-01-02T03:05:00.000Z', mode: 'live', scenario_path: 'scenarios/support.yaml' }, null, 2)}\n`);
  return { summary, records };
}

/** A generator health block that fails the send lag limit. */
export const INVALID_GENERATOR: GeneratorHealth = {
  valid: false,
  reasons: ['send lag p99 25 ms is over 10 ms'],
  send_lag_ms: { p50: 1, p99: 25 },
  receive_lag_ms: { p50: 1, p99: 2 },
  frames_sent_ratio: 1,
  event_loop_delay_ms: { p99: 30 },
};
