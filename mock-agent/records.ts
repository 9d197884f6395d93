import type { StageTimings } from './stages.js';

/** One answered caller turn, as the mock saw it. Times are clock ms. */
export interface TurnRecord {
  callSid: string;
  /** 1-based. */
  turn: number;
  /** Inbound `media.chunk` of the last voiced frame before endpointing, or null if no frame was voiced. */
  lastVoicedChunk: number | null;
  /** Arrival of the first unvoiced frame after the caller's speech. */
  endpointStartedAt: number;
  /** When the endpointing silence ran out and thinking began. */
  endpointedAt: number;
  /** Time spent in each stage, admission wait included. */
  stageMs: StageTimings;
  /** When the answer's first media message was sent. */
  answerSentAt: number;
  answerText: string;
  markName: string;
}

/** Why a stream ended: the switch's `stop`, the link closing, the agent shutting down, or an internal error. */
export type CallEndReason = 'stop' | 'link_closed' | 'agent_closed' | 'error';

export interface CallEndRecord {
  /** Null when the stream ended before its `start` message. */
  callSid: string | null;
  streamSid: string | null;
  reason: CallEndReason;
  /** Answers sent. */
  turns: number;
  /** Inbound messages ignored as invalid, by reason. */
  invalidMessages: Record<string, number>;
  endedAt: number;
}
