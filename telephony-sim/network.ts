import seedrandom from 'seedrandom';

import { FRAME_BYTES } from '../core/index.js';
import { MULAW_SILENCE } from '../audio/codec.js';

/** Outcome of one frame on the caller-leg network. */
export type FrameFate = 'delivered' | 'lost' | 'late';

/** One frame's passage over the caller leg. */
export interface FrameTransit {
  fate: FrameFate;
  /** Delay from sending to playout at the far end's jitter buffer, in ms. */
  delayMs: number;
}

/** Random numbers in [0, 1). */
export type RandomStream = () => number;

/**
 * Builds the random stream of one part of one call's model. A seeded run
 * keys it by the seed, the call id and the part, so a call's draws do not
 * depend on how many calls ran before it or on the other parts' settings.
 */
export function callRandom(seed: string | number | undefined, callId: string, part: string): RandomStream {
  if (seed === undefined) return seedrandom();
  return seedrandom(`${seed}:switch:${callId}:${part}`);
}

/**
 * One direction of the caller leg as a carrier's RTP path: each frame is
 * lost with `lossRate`, else delayed by `delayMs` plus a jitter drawn
 * uniformly from [0, jitterMs). A fixed jitter buffer of `jitterBufferMs`
 * plays every frame `delayMs + jitterBufferMs` after it was sent, so the
 * 20 ms grid survives. A frame whose jitter exceeds the buffer misses its
 * playout slot (a late loss). Lost and late frames play as silence.
 */
export class RtpDirection {
  constructor(
    private readonly random: RandomStream,
    private readonly lossRate: number,
    private readonly delayMs: number,
    private readonly jitterMs: number,
    private readonly jitterBufferMs: number,
  ) {}

  /**
   * Draws the fate of the next frame. Always two draws, so loss and jitter
   * settings do not shift each other's streams; a perfect path draws none.
   */
  next(): FrameTransit {
    if (this.lossRate === 0 && this.jitterMs === 0) return { fate: 'delivered', delayMs: this.delayMs + this.jitterBufferMs };
    const lost = this.random() < this.lossRate;
    const jitter = this.random() * this.jitterMs;
    const delayMs = this.delayMs + this.jitterBufferMs;
    if (lost) return { fate: 'lost', delayMs };
    if (jitter > this.jitterBufferMs) return { fate: 'late', delayMs };
    return { fate: 'delivered', delayMs };
  }
}

/**
 * One direction of the agent leg as a TCP connection: every message is
 * delayed by `delayMs` plus a jitter drawn uniformly from [0, jitterMs).
 * Order and delivery are kept by the DelayLine the caller pushes into.
 */
export class TcpDirection {
  constructor(
    private readonly random: RandomStream,
    private readonly delayMs: number,
    private readonly jitterMs: number,
  ) {}

  nextDelayMs(): number {
    if (this.jitterMs === 0) return this.delayMs;
    return this.delayMs + this.random() * this.jitterMs;
  }
}

/** Silence in place of a lost or late frame's audio. */
export function silentFrame(): Buffer {
  return Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);
}

/** The network model of one call: both caller-leg directions, both agent-leg directions and the playout phase. */
export interface CallNetwork {
  uplink: RtpDirection;
  downlink: RtpDirection;
  toAgent: TcpDirection;
  fromAgent: TcpDirection;
  /** Offset of the call's 20 ms playout grid from its answer time, in [0, frameMs). */
  playoutPhaseMs: number;
}

export interface NetworkSettings {
  seed: string | number | undefined;
  uplinkLossRate: number;
  downlinkLossRate: number;
  callerLegDelayMs: number;
  callerLegJitterMs: number;
  jitterBufferMs: number;
  agentLegDelayMs: number;
  agentLegJitterMs: number;
}

/** Builds the network model of one call, each part on its own seeded stream. */
export function createCallNetwork(settings: NetworkSettings, callId: string, frameMs: number): CallNetwork {
  const stream = (part: string) => callRandom(settings.seed, callId, part);
  const rtp = (part: string, lossRate: number) =>
    new RtpDirection(stream(part), lossRate, settings.callerLegDelayMs, settings.callerLegJitterMs, settings.jitterBufferMs);
  const tcp = (part: string) => new TcpDirection(stream(part), settings.agentLegDelayMs, settings.agentLegJitterMs);

  return {
    uplink: rtp('uplink', settings.uplinkLossRate),
    downlink: rtp('downlink', settings.downlinkLossRate),
    toAgent: tcp('to-agent'),
    fromAgent: tcp('from-agent'),
    playoutPhaseMs: stream('phase')() * frameMs,
  };
}
