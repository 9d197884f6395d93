import type { CallDetailRecord, TurnBreakdown } from '../core/index.js';

/** Reason a call ended, as written to the record's `end_reason`. */
export type EndReason =
  | 'caller_hangup'
  | 'caller_closed'
  | 'agent_closed'
  | 'rejected'
  | 'switch_closed'
  | 'internal_error';

interface AwaitingResponse {
  turn: TurnBreakdown;
  deliveredAt: number;
}

interface AwaitingPlayout {
  turn: TurnBreakdown;
  /** When the answer's first media reached the switch, after the agent-leg delay. */
  receivedAt: number;
  /** Agent-leg delay of that media, ms. */
  agentLegMs: number;
  /** Stream offset of the first byte of the answer's first media. */
  offset: number;
}

/**
 * Counters and per-turn latency breakdown of one call. A turn opens when
 * the caller frame flagged as the end of speech is delivered to the agent.
 * The agent's first media after it completes agent_response_ms, and that
 * media's first frame sent to the caller completes playout_wait_ms and
 * downlink_ms.
 */
export class CallRecorder {
  readonly record: CallDetailRecord;
  private awaitingResponse: AwaitingResponse | undefined;
  private awaitingPlayout: AwaitingPlayout | undefined;

  constructor(callId: string, number: string) {
    this.record = {
      call_id: callId,
      call_sid: '',
      stream_sid: '',
      number,
      agent_url: null,
      setup_ms: null,
      admission_wait_ms: null,
      playout_phase_ms: null,
      end_reason: '',
      frames_from_caller: 0,
      frames_to_agent: 0,
      agent_media_messages: 0,
      agent_media_bytes: 0,
      frames_to_caller: 0,
      frames_dropped: 0,
      uplink_frames_lost: 0,
      uplink_frames_late: 0,
      downlink_frames_lost: 0,
      downlink_frames_late: 0,
      dtmf_from_caller: 0,
      dtmf_from_agent: 0,
      marks_received: 0,
      marks_played: 0,
      protocol_warnings: {},
      turns: [],
    };
  }

  /** Counts a warning of one kind and returns true the first time that kind occurs. */
  warn(kind: string): boolean {
    const count = (this.record.protocol_warnings[kind] ?? 0) + 1;
    this.record.protocol_warnings[kind] = count;
    return count === 1;
  }

  /** Opens a turn when a frame flagged as the end of speech is delivered to the agent. */
  openTurn(deliveredAt: number, frameSentAt: number, chunk: number): void {
    const turn: TurnBreakdown = {
      turn: this.record.turns.length + 1,
      uplink_ms: deliveredAt - frameSentAt,
      agent_response_ms: null,
      playout_wait_ms: null,
      downlink_ms: null,
      flagged_chunk: chunk,
    };
    this.record.turns.push(turn);
    this.awaitingResponse = { turn, deliveredAt };
  }

  /**
   * Records agent media that arrived at the switch at `arrivedAt` and was
   * received after the agent-leg delay at `receivedAt`. The first media
   * after a flagged frame starts the turn's response.
   */
  agentMedia(arrivedAt: number, receivedAt: number, bytes: number, offset: number): void {
    this.record.agent_media_messages++;
    this.record.agent_media_bytes += bytes;
    const pending = this.awaitingResponse;
    // Media the agent sent before the flagged frame reached it cannot be the answer to it.
    if (pending === undefined || bytes === 0 || arrivedAt < pending.deliveredAt) return;

    pending.turn.agent_response_ms = arrivedAt - pending.deliveredAt;
    this.awaitingResponse = undefined;
    this.awaitingPlayout = { turn: pending.turn, receivedAt, agentLegMs: receivedAt - arrivedAt, offset };
  }

  /**
   * Records a frame taken from playout at `sentAt`, covering stream offsets
   * [startOffset, endOffset), that reaches the caller `callerLegMs` later.
   */
  framePlayed(sentAt: number, startOffset: number, endOffset: number, callerLegMs: number): void {
    // NOTE: a frame the downlink model lost or delivered late still completes the turn here, so under
    // downlink loss the caller can hear the answer's onset a frame or more after the breakdown's sum.
    const pending = this.awaitingPlayout;
    if (pending === undefined || endOffset <= pending.offset || startOffset > pending.offset) return;

    pending.turn.playout_wait_ms = sentAt - pending.receivedAt;
    pending.turn.downlink_ms = pending.agentLegMs + callerLegMs;
    this.awaitingPlayout = undefined;
  }

  /** Forgets a response whose first audio a `clear` flushed before it was played. */
  cleared(playedOffset: number): void {
    if (this.awaitingPlayout !== undefined && this.awaitingPlayout.offset < playedOffset) {
      this.awaitingPlayout = undefined;
    }
  }

  finish(reason: EndReason): CallDetailRecord {
    this.record.end_reason = reason;
    return this.record;
  }
}
