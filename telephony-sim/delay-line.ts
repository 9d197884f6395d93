import type { Clock, TimerHandle } from '../core/index.js';

/** Runs on delivery with the modelled delivery time, which a late timer may have passed already. */
export type Deliver = (dueAt: number) => void;

interface Pending {
  dueAt: number;
  deliver: Deliver;
}

/**
 * Ordered delivery after a modelled delay, as on a TCP connection or a
 * jitter buffer's output: an item is delivered at max(its due time, the
 * previous item's delivery), so items never overtake each other. An item
 * due now with nothing ahead of it is delivered at once, so a zero delay
 * adds no timer.
 */
export class DelayLine {
  private readonly queue: Pending[] = [];
  private lastDueAt = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** Queues `deliver` for `dueAt` (clock ms) and returns the time it will run. */
  push(dueAt: number, deliver: Deliver): number {
    if (this.closed) return dueAt;
    const effectiveDueAt = Math.max(dueAt, this.lastDueAt);
    this.lastDueAt = effectiveDueAt;

    if (this.queue.length === 0 && effectiveDueAt <= this.clock.now()) {
      deliver(effectiveDueAt);
      return effectiveDueAt;
    }
    this.queue.push({ dueAt: effectiveDueAt, deliver });
    if (this.queue.length === 1) this.arm();
    return effectiveDueAt;
  }

  /** Delivers everything still queued, in order, now. */
  flush(): void {
    this.clock.clearTimer(this.timer);
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      item.deliver(item.dueAt);
    }
  }

  /** Drops everything still queued and accepts nothing more. */
  close(): void {
    this.closed = true;
    this.clock.clearTimer(this.timer);
    this.queue.length = 0;
  }

  private arm(): void {
    const head = this.queue[0];
    if (head === undefined || this.closed) return;
    this.timer = this.clock.setTimer(() => this.drain(), head.dueAt - this.clock.now());
  }

  private drain(): void {
    const now = this.clock.now();
    while (!this.closed && this.queue.length > 0 && this.queue[0]!.dueAt <= now) {
      const item = this.queue.shift()!;
      item.deliver(item.dueAt);
    }
    this.arm();
  }
}
