import {
  MEDIA_FORMAT,
  type Clock,
  type InboundMediaEvent,
  type Link,
  type MarkEvent,
  type StartEvent,
  type StopEvent,
  type SwitchToAgent,
} from '../core/index.js';
import type { CallIds } from './ids.js';

/**
 * Sends one call's Twilio Media Streams messages to the agent. One
 * `sequenceNumber` counter spans every message after `connected` (which
 * has none), so `start` is "1". `chunk` counts media messages from "1".
 */
export class AgentStream {
  private sequence = 0;
  private chunk = 0;
  private startedAt: number | undefined;

  constructor(
    private readonly link: Link,
    private readonly clock: Clock,
    private readonly ids: CallIds,
  ) {}

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

  /** Sends one caller frame as inbound media and returns its chunk number. */
  media(payload: Uint8Array): number {
    const chunk = ++this.chunk;
    const message: InboundMediaEvent = {
      event: 'media',
      sequenceNumber: this.nextSequence(),
      streamSid: this.ids.streamSid,
      media: {
        track: 'inbound',
        chunk: String(chunk),
        timestamp: String(Math.round(this.clock.now() - (this.startedAt ?? this.clock.now()))),
        payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64'),
      },
    };
    this.send(message);
    return chunk;
  }

  /** Echoes a mark whose audio has been played. */
  mark(name: string): void {
    const message: MarkEvent = { event: 'mark', sequenceNumber: this.nextSequence(), streamSid: this.ids.streamSid, mark: { name } };
    this.send(message);
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

  private send(message: SwitchToAgent): void {
    this.link.send(JSON.stringify(message));
  }
}
