import { performance } from 'node:perf_hooks';

/** Opaque handle returned by `Clock.setTimer`. */
export interface TimerHandle {
  readonly id: number;
}

/**
 * Source of time for every component. All timestamps are milliseconds with
 * sub-millisecond precision. The real clock counts from the Unix epoch so
 * that timestamps taken in different threads or processes on one machine
 * can be subtracted; a virtual clock may count from any origin.
 */
export interface Clock {
  /** Current time in ms, monotonic. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now (negative delays run as 0). */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
  /** Calendar time for records meant for people, such as `run.json`. */
  wallTime(): Date;
  /** True when time is simulated rather than measured. */
  readonly virtual: boolean;
}

interface RealTimer extends TimerHandle {
  timeout: NodeJS.Timeout;
}

/** Wall-clock time: `performance.timeOrigin + performance.now()`. */
export class RealClock implements Clock {
  readonly virtual = false;
  private nextId = 1;

  now(): number {
    return performance.timeOrigin + performance.now();
  }

  /**
   * Node's timers count whole milliseconds of a cached loop time, so one can
   * fire up to about a millisecond before `now()` reaches its due time. Such
   * an early timer is armed again for the rest, so a callback never runs early.
   */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const dueAt = this.now() + Math.max(0, delayMs);
    const handle: RealTimer = { id: this.nextId++, timeout: setTimeout(() => fire(), Math.max(0, delayMs)) };
    const fire = () => {
      const remainingMs = dueAt - this.now();
      if (remainingMs > 0) handle.timeout = setTimeout(fire, remainingMs);
      else callback();
    };
    return handle;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) clearTimeout((handle as RealTimer).timeout);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, delayMs));
  }

  wallTime(): Date {
    return new Date(this.now());
  }
}

/**
 * Calls `tick(scheduledMs)` every `periodMs` on a fixed timeline that starts
 * at `startMs`. Each due time is computed from the start, never from the
 * previous call, so timer lateness does not accumulate as it does with
 * `setInterval`. When the timer fires late, every tick already due runs at
 * once, in order, each with its own scheduled time.
 */
export class PeriodicSchedule {
  private handle: TimerHandle | undefined;
  private index = 0;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly startMs: number,
    private readonly periodMs: number,
    private readonly tick: (scheduledMs: number, index: number) => void,
  ) {
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.handle);
  }

  private arm(): void {
    if (this.stopped) return;
    const due = this.startMs + this.index * this.periodMs;
    this.handle = this.clock.setTimer(this.fire, due - this.clock.now());
  }

  private readonly fire = (): void => {
    const now = this.clock.now();
    while (!this.stopped) {
      const due = this.startMs + this.index * this.periodMs;
      if (due > now) break;
      const index = this.index++;
      this.tick(due, index);
    }
    this.arm();
  };
}
