import type { CallDetailRecord } from '../core/index.js';

/** One turn as stored in `calls.jsonl`. Times are ms from the call's dial. */
export interface TurnRecord {
  turn: number;
  text: string;
  /** End of the caller's speech, ms from the start of the run. */
  at_ms: number;
  /** Calls in progress in the run when the caller started this turn. */
  active_calls: number | null;
  latency_ms: number | null;
  timed_out: boolean;
  talk_over: boolean;
  talk_over_offset_ms?: number;
  late_answer_ms?: number;
  speech_start_ms: number;
  end_of_speech_ms: number;
  onset_ms: number | null;
  first_audio_ms: number | null;
  answer_end_ms: number | null;
  fragments: number;
}

/** One call as stored in `calls.jsonl`. */
export interface CallRecord {
  call_id: string;
  row: number;
  repeat: number;
  number: string;
  result_completed: boolean;
  /** Why `result_completed` is false; empty when it is true. */
  not_completed_because: string[];
  end_reason: string;
  /** Absent when the call started (answered and greeted). */
  start_failure?: string;
  /** Dial time, ms from the start of the run. */
  dialed_at_ms: number;
  duration_ms: number;
  setup_ms: number | null;
  time_to_greeting_ms: number | null;
  avg_turn_taking_latency_ms: number | null;
  answered_turns: number;
  total_turns: number;
  turns: TurnRecord[];
  /** Near-identical replies to different turns, fragments or unprompted speech, two or more times in the call. */
  response_loop: boolean;
  loop_events: { repeated_replies: number; fragments: number; unprompted: number };
  expected_result: string;
  /** `heard` (the agent's mark for the expected result arrived), `missing`, or `not_verified`. */
  content: 'heard' | 'missing' | 'not_verified';
  marks: Array<{ name: string; at_ms: number }>;
  frames_sent: number;
  /** Frames the 20 ms schedule called for while it ran. */
  frames_expected: number;
  frames_received: number;
  /** Actual minus scheduled send time of each frame: p50 and max, ms. */
  send_lag_ms: { p50: number; max: number };
  /** Arrival minus header send time of each switch frame, less the call's smallest: p50 and max, ms. */
  receive_lag_ms: { p50: number; max: number };
  switch: CallDetailRecord | null;
  /** Times the call was dialled again after a CPS or channel rejection. */
  redials?: number;
  /** Message of an unexpected driver error that ended the call. */
  error?: string;
}
