/**
 * Caller leg between the driver and the switch (WebSocket path `/call`).
 * Signalling travels as JSON text messages; audio as binary messages of a
 * 16-byte header followed by 160 bytes of mu-law (20 ms at 8 kHz). There is
 * no base64 on this leg because it carries every frame of every call.
 */

/** Samples, and mu-law bytes, in one 20 ms frame at 8 kHz. */
export const FRAME_BYTES = 160;
export const FRAME_MS = 20;
export const SAMPLE_RATE = 8000;
export const FRAME_HEADER_BYTES = 16;

/** Header flag: this frame holds the end of the caller's speech. */
export const FLAG_SPEECH_END = 1;

export interface AudioFrame {
  /** Per-direction sequence number, from 0. */
  seq: number;
  /** Sender's clock when the frame was sent, in ms. */
  sentAt: number;
  flags: number;
  /** Exactly FRAME_BYTES of mu-law. */
  payload: Uint8Array;
}

/** Layout: u32 seq, f64 sentAt, u8 flags, 3 bytes padding, payload. */
export function encodeFrame(frame: AudioFrame): Buffer {
  const buffer = Buffer.allocUnsafe(FRAME_HEADER_BYTES + FRAME_BYTES);
  buffer.writeUInt32BE(frame.seq >>> 0, 0);
  buffer.writeDoubleBE(frame.sentAt, 4);
  buffer[12] = frame.flags & 0xff;
  buffer[13] = 0;
  buffer[14] = 0;
  buffer[15] = 0;
  const payload = frame.payload;
  buffer.set(payload.length === FRAME_BYTES ? payload : payload.subarray(0, FRAME_BYTES), FRAME_HEADER_BYTES);
  return buffer;
}

/** Returns undefined for a message that is not a well-formed frame. */
export function decodeFrame(buffer: Buffer): AudioFrame | undefined {
  if (buffer.length !== FRAME_HEADER_BYTES + FRAME_BYTES) return undefined;
  return {
    seq: buffer.readUInt32BE(0),
    sentAt: buffer.readDoubleBE(4),
    flags: buffer.readUInt8(12),
    payload: buffer.subarray(FRAME_HEADER_BYTES),
  };
}

/** Driver to switch: place a call. */
export interface DialMessage {
  event: 'dial';
  callId: string;
  number: string;
  /** Passed to the agent as the `start` message's customParameters. */
  parameters: Record<string, string>;
}

/** Driver to switch: end the call. */
export interface HangupRequest {
  event: 'hangup';
  reason?: string;
}

export interface AnsweredMessage {
  event: 'answered';
  callId: string;
}

export interface RejectedMessage {
  event: 'rejected';
  callId: string;
  /** Stable reason id, such as `unknown_number` or `agent_unreachable`. */
  reason: string;
  /** SIP-style status code: 404, 486, 503. */
  code: number;
}

/**
 * DTMF digit, either way: driver to switch for a key the caller pressed,
 * switch to driver for a digit the agent sent. `digit` is one of 0-9, *, #, A-D.
 */
export interface DtmfMessage {
  event: 'dtmf';
  digit: string;
}

/** Switch to driver: the agent's mark was reached in playout. */
export interface MarkPlayedMessage {
  event: 'mark';
  name: string;
}

/** Switch to driver: the agent side ended the call. */
export interface HangupNotice {
  event: 'hangup';
  reason: string;
}

/** Switch to driver at hang-up: the call detail record. */
export interface CdrMessage {
  event: 'cdr';
  record: CallDetailRecord;
}

export type CallerToSwitch = DialMessage | HangupRequest | DtmfMessage;
export type SwitchToCaller = AnsweredMessage | RejectedMessage | MarkPlayedMessage | HangupNotice | CdrMessage | DtmfMessage;

/**
 * What the switch saw of one caller turn, measured from the caller frame
 * flagged FLAG_SPEECH_END, in ms. The four components add up to the
 * caller's turn-taking latency, apart from where the speech ended inside
 * its last frame, where the reply began inside its first, and, in a live
 * run, real transport time and timer lateness.
 */
export interface TurnBreakdown {
  turn: number;
  /**
   * Flagged frame's header `sentAt` to its delivery to the agent: the
   * caller-leg network delay and jitter buffer, then the agent-leg delay.
   */
  uplink_ms: number;
  /** Flagged frame delivered to the agent to the agent's first media after it reaching the switch; null if none came. */
  agent_response_ms: number | null;
  /** That media, after the agent-leg delay, to its first frame sent to the caller. */
  playout_wait_ms: number | null;
  /** Modelled delay back: the agent-leg delay of that media plus the caller-leg delay and jitter buffer of its first frame. */
  downlink_ms: number | null;
  /** Agent-leg `chunk` number of the flagged frame. */
  flagged_chunk: number;
}

export interface CallDetailRecord {
  call_id: string;
  call_sid: string;
  stream_sid: string;
  number: string;
  agent_url: string | null;
  /** Dial received to answered sent, ms, including any admission queue wait. */
  setup_ms: number | null;
  /** Time in the admission queue, ms: 0 when admitted at once, null when never admitted. */
  admission_wait_ms: number | null;
  /** Offset of the call's 20 ms playout grid from its answer time, ms in [0, 20). */
  playout_phase_ms: number | null;
  /** `caller_hangup`, `caller_closed`, `agent_closed`, `rejected`, `switch_closed` or `internal_error`. */
  end_reason: string;
  frames_from_caller: number;
  frames_to_agent: number;
  agent_media_messages: number;
  agent_media_bytes: number;
  frames_to_caller: number;
  /** Caller frames discarded because the call was not answered. */
  frames_dropped: number;
  /** Caller frames the modelled network lost, forwarded as silence. */
  uplink_frames_lost: number;
  /** Caller frames later than the jitter buffer allows, forwarded as silence. */
  uplink_frames_late: number;
  /** Frames to the caller the modelled network lost, delivered as silence. */
  downlink_frames_lost: number;
  /** Frames to the caller later than the jitter buffer allows, delivered as silence. */
  downlink_frames_late: number;
  dtmf_from_caller: number;
  dtmf_from_agent: number;
  marks_received: number;
  marks_played: number;
  protocol_warnings: Record<string, number>;
  turns: TurnBreakdown[];
}
