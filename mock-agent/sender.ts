import { FRAME_BYTES, FRAME_MS, type Clock, type Link, type TimerHandle } from '../core/index.js';

import type { MockConfig } from './config.js';
import { markMessage, mediaMessage, splitBurst } from './outbound.js';
import type { CallRandom } from './random.js';

/** Stream state and clock of an AudioSender. */
export interface SenderDependencies {
  link: Link;
  streamSid: string;
  clock: Clock;
  random: CallRandom;
  /** Time at which work due at a given time can run, later only inside an agent-wide stall. */
  resume(time: number): number;
}

/**
 * Sends one stream's outbound audio with the configured pacing. `realtime`
 * keeps the 20 ms frames on a timeline from the first one, so a late timer
 * sends every frame already due at once, as a stalled process does.
 */
export class AudioSender {
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly deps: SenderDependencies) {}

  /**
   * Sends `audio` from now, then a mark named `markName` when one is given.
   * Under `realtime` pacing, frames due at or after `stopAt` are not sent,
   * and neither is the mark.
   */
  send(audio: Uint8Array, markName: string | null, config: Pick<MockConfig, 'sendPacing' | 'minChunkBytes' | 'maxChunkBytes'>, stopAt = Infinity): void {
    if (config.sendPacing === 'realtime') return this.sendRealtime(audio, markName, stopAt);

    const chunks = config.sendPacing === 'blob' ? [audio] : splitBurst(audio, this.deps.random, config);
    for (const chunk of chunks) this.deps.link.send(mediaMessage(this.deps.streamSid, chunk));
    if (markName !== null) this.deps.link.send(markMessage(this.deps.streamSid, markName));
  }

  /** Cancels every frame not yet sent. */
  stop(): void {
    for (const timer of this.timers) this.deps.clock.clearTimer(timer);
    this.timers.clear();
  }

  private sendRealtime(audio: Uint8Array, markName: string | null, stopAt: number): void {
    const { clock, link, streamSid } = this.deps;
    const startAt = clock.now();
    const frameCount = Math.ceil(audio.length / FRAME_BYTES);
    let next = 0;

    const sendDue = (): void => {
      const now = clock.now();
      while (next < frameCount) {
        const dueAt = startAt + next * FRAME_MS;
        if (dueAt >= stopAt) return;
        if (this.deps.resume(dueAt) > now) break;
        link.send(mediaMessage(streamSid, audio.subarray(next * FRAME_BYTES, (next + 1) * FRAME_BYTES)));
        next++;
      }
      if (next === frameCount) {
        if (markName !== null) link.send(markMessage(streamSid, markName));
        return;
      }
      const timer = clock.setTimer(() => {
        this.timers.delete(timer);
        sendDue();
      }, this.deps.resume(startAt + next * FRAME_MS) - now);
      this.timers.add(timer);
    };
    sendDue();
  }
}
