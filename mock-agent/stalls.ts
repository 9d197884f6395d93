import type { CallRandom } from './random.js';

/** Timing of agent-wide stalls, in clock ms. */
export interface StallTiming {
  /** Time of the first stall's scheduled start, before jitter is applied to the gap. */
  firstAfter: number;
  everyMs: number;
  stallMs: number;
  /** Share of `everyMs` by which each gap moves, drawn uniformly in +-jitter. */
  jitter: number;
}

/**
 * Stall windows that hit the whole agent at once, as a stop-the-world
 * garbage collection does. Windows are drawn in order from the agent's
 * stream only as far as a query needs, so the schedule does not depend on
 * when it is queried. Validation keeps windows apart.
 */
export class StallSchedule {
  /** Start times of the windows drawn so far, ascending. */
  private readonly starts: number[] = [];

  constructor(
    private readonly timing: StallTiming,
    private readonly random: CallRandom,
  ) {}

  /** Returns when work due at `time` can run: the end of the stall containing `time`, or `time` itself. */
  resume(time: number): number {
    this.drawUntil(time);
    for (let i = this.starts.length - 1; i >= 0; i--) {
      const start = this.starts[i]!;
      if (start > time) continue;
      return time < start + this.timing.stallMs ? start + this.timing.stallMs : time;
    }
    return time;
  }

  /** Stalls that have started by `time`. */
  startedBy(time: number): number {
    this.drawUntil(time);
    return this.starts.filter((start) => start <= time).length;
  }

  private drawUntil(time: number): void {
    let last = this.starts[this.starts.length - 1];
    while (last === undefined || last <= time) {
      const gap = this.timing.everyMs * (1 + this.timing.jitter * (2 * this.random.uniform() - 1));
      last = (last ?? this.timing.firstAfter - this.timing.everyMs) + gap;
      this.starts.push(last);
    }
  }
}
