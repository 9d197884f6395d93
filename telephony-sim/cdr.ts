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
  forwardedAt: number;
}

interface AwaitingPlayout {
  turn: TurnBreakdown;
  receivedAt: number;
  /** Stream offset of the first byte of the answer's first media. */
  offset: number;
}

/**
 * Counters and per-turn latency breakdown of one call. A turn opens at the
 * caller frame flagged as the end of speech. The agent's first media after
 * it completes agent_response_ms, and that media's first frame sent to the
 * caller completes playout_wait_ms and downlink_ms.
 */
export class CallRecorder {
  readonly record: CallDetailRecord;
  private awaitingResponse: AwaitingResponse | undefined;
  private awaitingPlayout: AwaitingPlayout | undefined;

  constructor(
    callId: string,
    number: string,
    private readonly downlinkDelayMs: number,
  ) {
    this.record = {
      call_id: callId,
      call_sid: '',
      stream_sid: '',
      number,
      agent_url: null,
      setup_ms: null,
      end_reason: '',
      frames_from_caller: 0,
      frames_to_agent: 0,
      agent_media_messages: 0,
      agent_media_bytes: 0,
      frames_to_caller: 0,
      frames_dropped: 0,
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

  /** Opens a turn at the forwarding of a frame flagged as the end of speech. */
  openTurn(forwardedAt: number, frameSentAt: number, chunk: number): void {
    const turn: TurnBreakdown = {
      turn: this.record.turns.length + 1,
      uplink_ms: forwardedAt - frameSentAt,
      agent_response_ms: null,
      playout_wait_ms: null,
      downlink_ms: null,
      flagged_chunk: chunk,
    };
    this.record.turns.push(turn);
    this.awaitingResponse = { turn, forwardedAt };
  }

  /** Records agent media. The first media after a flagged frame starts the turn's response. */
  agentMedia(receivedAt: number, bytes: number, offset: number): void {
    this.record.agent_media_messages++;
    this.record.agent_media_bytes += bytes;
    const pending = this.awaitingResponse;
    if (pending === undefined || bytes === 0) return;

    pending.turn.agent_response_ms = receivedAt - pending.forwardedAt;
    this.awaitingResponse = undefined;
    this.awaitingPlayout = { turn: pending.turn, receivedAt, offset };
  }

  /** Records a frame sent to the caller covering stream offsets [startOffset, endOffset). */
  framePlayed(sentAt: number, startOffset: number, endOffset: number): void {
    this.record.frames_to_caller++;
    const pending = this.awaitingPlayout;
    if (pending === undefined || endOffset <= pending.offset || startOffset > pending.offset) return;

    pending.turn.playout_wait_ms = sentAt - pending.receivedAt;
    pending.turn.downlink_ms = this.downlinkDelayMs;
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
