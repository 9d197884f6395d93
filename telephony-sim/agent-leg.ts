import {
  MEDIA_FORMAT,
  type Clock,
  type DtmfEvent,
  type MarkEvent,
  type StartEvent,
  type StopEvent,
  type SwitchToAgent,
} from '../core/index.js';
import type { CallIds } from './ids.js';

/**
 * Sends one message on the agent leg. The message leaves the switch at
 * `readyAt` (clock ms, now when undefined), and `onDelivered` runs with the
 * modelled time it reaches the agent's socket, after the agent-leg delay.
 */
export type AgentSend = (message: string, onDelivered?: (deliveredAt: number) => void, readyAt?: number) => void;

/**
 * Builds one call's Twilio Media Streams messages to the agent. One
 * `sequenceNumber` counter spans every message after `connected` (which
 * has none), so `start` is "1". `chunk` counts media messages from "1".
 */
export class AgentStream {
  private sequence = 0;
  private chunk = 0;
  private startedAt: number | undefined;
  /** The stream id as JSON text, encoded once for every media message. */
  private readonly streamSidJson: string;

  constructor(
    private readonly sendText: AgentSend,
    private readonly clock: Clock,
    private readonly ids: CallIds,
  ) {
    this.streamSidJson = JSON.stringify(ids.streamSid);
  }

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** Sends `connected` then `start`. Media timestamps count from this moment. */
  start(customParameters: Record<string, string>): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.startedAt = this.clock.now();
    const start: StartEvent = {
      event: 'start',
      sequenceNumber: this.nextSequence(),
      streamSid: this.ids.streamSid,
      start: {
        accountSid: this.ids.accountSid,
        streamSid: this.ids.streamSid,
        callSid: this.ids.callSid,
        tracks: ['inbound'],
        customParameters: { ...customParameters },
        mediaFormat: { ...MEDIA_FORMAT },
      },
    };
    this.send(start);
  }

  /** Media messages sent so far, which is the last `chunk` number used. */
  get chunksSent(): number {
    return this.chunk;
  }

  /**
   * Sends one caller frame as inbound media, leaving the switch at `readyAt`
   * (now when undefined), and returns its chunk number.
   */
  media(payload: Uint8Array, onDelivered?: (deliveredAt: number) => void, readyAt?: number): number {
    const chunk = ++this.chunk;
    const now = this.clock.now();
    const timestamp = Math.round(now - (this.startedAt ?? now));
    const base64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
    this.sendText(mediaJson(this.nextSequence(), this.streamSidJson, chunk, timestamp, base64), onDelivered, readyAt);
    return chunk;
  }

  /** Sends a DTMF digit the caller pressed. */
  dtmf(digit: string): void {
    const message: DtmfEvent = {
      event: 'dtmf',
      sequenceNumber: this.nextSequence(),
      streamSid: this.ids.streamSid,
      dtmf: { track: 'inbound_track', digit },
    };
    this.send(message);
  }

  /** Echoes a mark whose audio has been played, leaving the switch at `readyAt` (now when undefined). */
  mark(name: string, readyAt?: number): void {
    const message: MarkEvent = { event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.ids.streamSid, mark: { name } };
    this.send(message, undefined, readyAt);
  }

  stop(): void {
    const message: StopEvent = {
      event: 'stop',
      sequenceNumber: this.nextSequence(),
      streamSid: this.ids.streamSid,
      stop: { accountSid: this.ids.accountSid, callSid: this.ids.callSid },
    };
    this.send(message);
  }

  private nextSequence(): string {
    this.sequence++;
    return String(this.sequence);
  }

  private send(message: SwitchToAgent, onDelivered?: (deliveredAt: number) => void, readyAt?: number): void {
    this.sendText(JSON.stringify(message), onDelivered, readyAt);
  }
}

/**
 * Writes an inbound media message as `JSON.stringify` would, with the keys
 * of `InboundMediaEvent` in the same order, in a third of its time, because
 * it goes out for every 20 ms frame of every call. The stream id comes
 * already encoded. The other values are decimal digits, a fixed word and
 * base64, which JSON never escapes.
 */
function mediaJson(sequenceNumber: string, streamSidJson: string, chunk: number, timestamp: number, payload: string): string {
  return `{"event":"media","sequenceNumber":"${sequenceNumber}","streamSid":${streamSidJson},"media":{"track":"inbound","chunk":"${chunk}","timestamp":"${timestamp}","payload":"${payload}"}}`;
}
