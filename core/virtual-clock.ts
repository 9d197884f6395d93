import seedrandom from 'seedrandom';

import type { Clock, TimerHandle } from './clock.js';
import {
  SimInvalidArgumentError,
  simAlreadyRunningError,
  simDeadlockError,
  simHoldTimeoutError,
  simLivelockError,
  simTimeoutError,
} from './sim-errors.js';

export const VIRTUAL_CLOCK_DEFAULTS = Object.freeze({
  seed: '0',
  startMs: 0,
  maxTimersPerInstant: 1_000_000,
  holdTimeoutMs: 60_000,
});

export interface VirtualClockOptions {
  /** Seed of the stream that orders timers due at the same instant. */
  seed?: string | number;
  /** Value of `now()` before any timer runs, in ms. */
  startMs?: number;
  /** Calendar time at `startMs`, in ms since the Unix epoch. Defaults to `startMs`. */
  wallStartMs?: number;
  /** Timers that may run at one virtual instant before a run fails with `VL_SIM_LIVELOCK`. */
  maxTimersPerInstant?: number;
  /** Real ms a run waits for held work before it fails with `VL_SIM_HOLD_TIMEOUT`. */
  holdTimeoutMs?: number;
}

export interface VirtualRunOptions {
  /** Stops the run as soon as it returns true. Checked before each timer, after microtasks drain. */
  until?: () => boolean;
  /** Runs every timer due at or before this virtual time, then sets `now()` to it. */
  untilMs?: number;
  /** Unfinished work items, such as `call-7 (ringing)`. Any item left when the queue empties is a deadlock. */
  pending?: () => readonly string[];
}

/** Why a run stopped: no timers left, the `until` condition held, or `untilMs` was reached. */
export type VirtualRunStop = 'idle' | 'until' | 'time';

export interface VirtualRunSummary {
  stop: VirtualRunStop;
  startMs: number;
  endMs: number;
  timersRun: number;
}

/** Steps queued per event-loop turn; each runs one timer, and Node drains microtasks between them. */
const STEPS_PER_TURN = 128;
/** Slots allocated for due times and tie keys before the first growth. */
const INITIAL_HEAP_CAPACITY = 1024;
/** Cancelled timers tolerated in the heap before it is rebuilt without them. */
const MIN_CANCELLED_FOR_COMPACTION = 1024;

/** Callback of a cleared timer, which stays in the heap until it surfaces or a compaction drops it. */
const CLEARED = (): void => {};

class VirtualTimer implements TimerHandle {
  cancelled = false;
  /** True once the timer has left the heap to run. */
  fired = false;

  constructor(
    readonly id: number,
    readonly dueMs: number,
    readonly tieKey: number,
    /** Replaced by CLEARED on clearing, so a cleared timer keeps nothing of its caller alive. */
    public callback: () => void,
    readonly owner: VirtualClock,
    /** True for a timer due at the instant it was set, which waits in the clock's instant heap. */
    readonly instant: boolean,
  ) {}
}

/**
 * Four-ary min-heap of timers ordered by due time, then seeded tie key, then
 * id, so creation order decides only between equal tie keys. Due times and
 * tie keys sit in typed arrays beside the timers, so comparisons read
 * contiguous memory rather than one object per step. Cancelled timers stay
 * in place until they reach the top or a compaction removes them.
 */
class TimerHeap {
  private timers: VirtualTimer[] = [];
  private dues = new Float64Array(INITIAL_HEAP_CAPACITY);
  private ties = new Int32Array(INITIAL_HEAP_CAPACITY);
  private length = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.length - this.cancelledCount;
  }

  push(timer: VirtualTimer): void {
    if (this.length === this.dues.length) this.grow();
    this.length++;
    this.siftUp(this.length - 1, timer);
  }

  markCancelled(): void {
    this.cancelledCount++;
    if (this.cancelledCount >= MIN_CANCELLED_FOR_COMPACTION && this.cancelledCount * 2 > this.length) this.compact();
  }

  /** Returns the next live timer without removing it. */
  peek(): VirtualTimer | undefined {
    while (this.length > 0 && this.timers[0]!.cancelled) {
      this.removeTop();
      this.cancelledCount--;
    }
    return this.length > 0 ? this.timers[0] : undefined;
  }

  /** Removes and returns the next live timer. */
  pop(): VirtualTimer | undefined {
    const top = this.peek();
    if (top !== undefined) this.removeTop();
    return top;
  }

  private removeTop(): void {
    this.length--;
    const last = this.timers.pop()!;
    if (this.length > 0) this.siftDown(0, last);
  }

  private grow(): void {
    const dues = new Float64Array(this.dues.length * 2);
    const ties = new Int32Array(this.ties.length * 2);
    dues.set(this.dues);
    ties.set(this.ties);
    this.dues = dues;
    this.ties = ties;
  }

  private compact(): void {
    const live = this.timers.filter((timer) => !timer.cancelled);
    this.length = live.length;
    this.cancelledCount = 0;
    this.timers = live;
    live.forEach((timer, index) => this.place(index, timer));
    for (let index = (this.length - 2) >> 2; index >= 0; index--) this.siftDown(index, this.timers[index]!);
  }

  private place(index: number, timer: VirtualTimer): void {
    this.timers[index] = timer;
    this.dues[index] = timer.dueMs;
    this.ties[index] = timer.tieKey;
  }

  /** Copies the entry at `from` to `to` from the arrays alone, without reading the timer object. */
  private move(to: number, from: number): void {
    this.timers[to] = this.timers[from]!;
    this.dues[to] = this.dues[from]!;
    this.ties[to] = this.ties[from]!;
  }

  /** True when a timer with `due`, `tie` and `id` runs before the entry at `index`. */
  private runsBefore(due: number, tie: number, id: number, index: number): boolean {
    const otherDue = this.dues[index]!;
    if (due !== otherDue) return due < otherDue;
    const otherTie = this.ties[index]!;
    if (tie !== otherTie) return tie < otherTie;
    return id < this.timers[index]!.id;
  }

  /** True when the entry at `a` runs before the entry at `b`. */
  private entryRunsBefore(a: number, b: number): boolean {
    const dues = this.dues;
    if (dues[a] !== dues[b]) return dues[a]! < dues[b]!;
    const ties = this.ties;
    if (ties[a] !== ties[b]) return ties[a]! < ties[b]!;
    return this.timers[a]!.id < this.timers[b]!.id;
  }

  private siftUp(start: number, timer: VirtualTimer): void {
    const { dueMs, tieKey, id } = timer;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 2;
      if (!this.runsBefore(dueMs, tieKey, id, parent)) break;
      this.move(index, parent);
      index = parent;
    }
    this.place(index, timer);
  }

  private siftDown(start: number, timer: VirtualTimer): void {
    const { dueMs, tieKey, id } = timer;
    const length = this.length;
    let index = start;
    for (;;) {
      const first = 4 * index + 1;
      if (first >= length) break;
      let child = first;
      const last = Math.min(first + 4, length);
      for (let candidate = first + 1; candidate < last; candidate++) {
        if (this.entryRunsBefore(candidate, child)) child = candidate;
      }
      if (this.runsBefore(dueMs, tieKey, id, child)) break;
      this.move(index, child);
      index = child;
    }
    this.place(index, timer);
  }
}

interface ActiveRun {
  readonly options: VirtualRunOptions;
  readonly startMs: number;
  timersRun: number;
  resolve(summary: VirtualRunSummary): void;
  reject(err: unknown): void;
}

/**
 * Simulated time for a `Clock` consumer. Time moves only inside `run`,
 * which runs timers one at a time in (due time, seeded tie key) order and
 * lets every pending microtask and `process.nextTick` callback run before
 * the next timer, as Node does between timers. Timers due at the same
 * instant therefore run in an order fixed by the seed, not by creation.
 *
 * Real I/O is invisible to virtual time: wrap any real await made while
 * the clock runs in `hold()`, so no timer runs until it settles.
 */
export class VirtualClock implements Clock {
  readonly virtual = true;
  readonly seed: string;

  private currentMs: number;
  private readonly startMs: number;
  private readonly wallStartMs: number;
  private readonly maxTimersPerInstant: number;
  private readonly holdTimeoutMs: number;
  private readonly tieRandom: seedrandom.PRNG;
  /** Timers set with a positive delay. */
  private readonly heap = new TimerHeap();
  /**
   * Timers due at the instant they were set, such as zero-delay link
   * deliveries. All of them are due at the current instant, so this heap
   * stays small and keeps most pushes and pops out of the larger one.
   */
  private readonly instantHeap = new TimerHeap();
  private nextTimerId = 1;
  private timersAtInstant = 0;
  private totalTimersRun = 0;

  private activeRun: ActiveRun | undefined;
  private stepsQueued = 0;
  private readonly holds = new Map<number, string>();
  private nextHoldId = 1;
  private waitingForRelease = false;
  private holdTimeout: NodeJS.Timeout | undefined;

  constructor(options: VirtualClockOptions = {}) {
    const settings = { ...VIRTUAL_CLOCK_DEFAULTS, ...withoutUndefined(options) };
    const wallStartMs = settings.wallStartMs ?? settings.startMs;
    requireFinite('startMs', settings.startMs);
    requireFinite('wallStartMs', wallStartMs);
    requirePositiveInteger('maxTimersPerInstant', settings.maxTimersPerInstant);
    requirePositiveInteger('holdTimeoutMs', settings.holdTimeoutMs);

    this.seed = String(settings.seed);
    this.startMs = settings.startMs;
    this.currentMs = settings.startMs;
    this.wallStartMs = wallStartMs;
    this.maxTimersPerInstant = settings.maxTimersPerInstant;
    this.holdTimeoutMs = settings.holdTimeoutMs;
    // The suffix gives the clock its own stream, separate from other
    // streams seeded with the same run seed.
    this.tieRandom = seedrandom(`${this.seed}:virtual-clock:ties`);
  }

  now(): number {
    return this.currentMs;
  }

  /** Calendar time: `wallStartMs` plus the virtual time elapsed since `startMs`. */
  wallTime(): Date {
    return new Date(this.wallStartMs + (this.currentMs - this.startMs));
  }

  /**
   * Schedules `callback` at `now() + delayMs`, or at `now()` for a negative
   * delay. Throws `VL_SIM_INVALID_ARGUMENT` for a non-finite delay.
   */
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    if (!Number.isFinite(delayMs)) {
      throw new SimInvalidArgumentError(`invalid timer delay ${delayMs}: the virtual clock needs a finite number of ms`);
    }
    const instant = delayMs <= 0;
    const timer = new VirtualTimer(this.nextTimerId++, instant ? this.currentMs : this.currentMs + delayMs, this.tieRandom.int32(), callback, this, instant);
    (instant ? this.instantHeap : this.heap).push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle | undefined): void {
    // A timer that has run is no longer in the heap, so clearing it changes nothing.
    if (!(handle instanceof VirtualTimer) || handle.owner !== this || handle.cancelled || handle.fired) return;
    handle.cancelled = true;
    handle.callback = CLEARED;
    (handle.instant ? this.instantHeap : this.heap).markCancelled();
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, delayMs));
  }

  /** Timers scheduled and neither run nor cleared. */
  get pendingTimers(): number {
    return this.heap.size + this.instantHeap.size;
  }

  /** Timers run by this clock over its lifetime. */
  get timersRun(): number {
    return this.totalTimersRun;
  }

  /**
   * Stops simulated time until the returned function is called, so real
   * work (a file read, a worker reply) settles at the current virtual
   * instant. Calling the release function again does nothing.
   */
  hold(reason: string): () => void {
    const id = this.nextHoldId++;
    this.holds.set(id, reason);
    return () => this.release(id);
  }

  /**
   * Runs timers until none remain, `until` returns true, or `untilMs` is
   * reached. Rejects with `VL_SIM_DEADLOCK` when the queue empties while
   * `pending` lists items or `until` is still false, with `VL_SIM_LIVELOCK`
   * when more than `maxTimersPerInstant` timers run at one instant, and with
   * the error a timer callback throws. Time stays where the failure happened.
   */
  run(options: VirtualRunOptions = {}): Promise<VirtualRunSummary> {
    if (this.activeRun !== undefined) return Promise.reject(simAlreadyRunningError(this.currentMs));
    if (options.untilMs !== undefined && !Number.isFinite(options.untilMs)) {
      return Promise.reject(new SimInvalidArgumentError(`invalid untilMs ${options.untilMs}: expected a finite virtual time in ms`));
    }

    return new Promise<VirtualRunSummary>((resolve, reject) => {
      this.activeRun = { options, startMs: this.currentMs, timersRun: 0, resolve, reject };
      this.queueSteps();
    });
  }

  /**
   * Runs until `predicate` returns true. Rejects with `VL_SIM_TIMEOUT`,
   * naming the `pending` items, when `maxMs` of virtual time pass first.
   */
  async runUntil(predicate: () => boolean, options: { maxMs: number; pending?: () => readonly string[] }): Promise<VirtualRunSummary> {
    if (!Number.isFinite(options.maxMs) || options.maxMs < 0) {
      throw new SimInvalidArgumentError(`invalid maxMs ${options.maxMs}: expected a finite, non-negative number of ms`);
    }
    const runOptions: VirtualRunOptions = { until: predicate, untilMs: this.currentMs + options.maxMs };
    if (options.pending !== undefined) runOptions.pending = options.pending;

    const summary = await this.run(runOptions);
    if (summary.stop === 'time') throw simTimeoutError(this.currentMs, options.maxMs, options.pending?.() ?? []);
    return summary;
  }

  /**
   * Queues a turn of steps with `setImmediate`. Node runs the `nextTick`
   * and microtask queues until both are empty between two immediate
   * callbacks, so a step starts only after every promise reaction that
   * the previous timer triggered, directly or through a chain, has run.
   * Reactions waiting on real I/O are not among them, which is why `hold` exists.
   */
  private queueSteps(): void {
    if (this.stepsQueued > 0) return;
    this.stepsQueued = STEPS_PER_TURN;
    for (let index = 0; index < STEPS_PER_TURN; index++) setImmediate(this.stepFromImmediate);
  }

  private readonly stepFromImmediate = (): void => {
    this.stepsQueued--;
    try {
      this.step();
    } catch (err) {
      // A throwing timer callback, `until` or `pending` ends the run with its error.
      if (this.activeRun !== undefined) this.fail(err);
    }
    if (this.stepsQueued === 0 && this.activeRun !== undefined && !this.waitingForRelease) this.queueSteps();
  };

  /** Runs at most one timer of the active run, or ends the run. */
  private step(): void {
    const run = this.activeRun;
    if (run === undefined || this.waitingForRelease) return;
    if (this.holds.size > 0) {
      this.waitForRelease();
      return;
    }

    const { until, untilMs, pending } = run.options;
    if (until?.()) {
      this.finish('until');
      return;
    }

    const next = this.nextTimer();
    if (next === undefined) {
      const unfinished = pending?.() ?? [];
      if (unfinished.length > 0 || until !== undefined) {
        this.fail(simDeadlockError(this.currentMs, unfinished, until !== undefined));
        return;
      }
      if (untilMs !== undefined) this.advanceTo(untilMs);
      this.finish(untilMs === undefined ? 'idle' : 'time');
      return;
    }

    if (untilMs !== undefined && next.dueMs > untilMs) {
      this.advanceTo(untilMs);
      this.finish('time');
      return;
    }

    this.advanceTo(next.dueMs);
    if (this.timersAtInstant >= this.maxTimersPerInstant) {
      this.fail(simLivelockError(this.currentMs, this.maxTimersPerInstant, pending?.() ?? []));
      return;
    }

    (next.instant ? this.instantHeap : this.heap).pop();
    next.fired = true;
    this.timersAtInstant++;
    this.totalTimersRun++;
    run.timersRun++;
    next.callback();
  }

  /**
   * Returns the timer that runs next, without removing it. Instant timers are all
   * due now, so the other heap's top runs first only when it is due now
   * too and wins on tie key, then on id.
   */
  private nextTimer(): VirtualTimer | undefined {
    const instant = this.instantHeap.peek();
    const later = this.heap.peek();
    if (instant === undefined) return later;
    if (later === undefined || later.dueMs > instant.dueMs) return instant;
    if (later.tieKey !== instant.tieKey) return later.tieKey < instant.tieKey ? later : instant;
    return later.id < instant.id ? later : instant;
  }

  private advanceTo(ms: number): void {
    if (ms <= this.currentMs) return;
    this.currentMs = ms;
    this.timersAtInstant = 0;
  }

  private finish(stop: VirtualRunStop): void {
    const run = this.activeRun!;
    this.activeRun = undefined;
    run.resolve({ stop, startMs: run.startMs, endMs: this.currentMs, timersRun: run.timersRun });
  }

  private fail(err: unknown): void {
    const run = this.activeRun!;
    this.activeRun = undefined;
    this.stopWaiting();
    run.reject(err);
  }

  private waitForRelease(): void {
    this.waitingForRelease = true;
    this.holdTimeout = setTimeout(() => {
      this.holdTimeout = undefined;
      if (this.activeRun !== undefined) this.fail(simHoldTimeoutError(this.currentMs, this.holdTimeoutMs, [...this.holds.values()]));
    }, this.holdTimeoutMs);
  }

  private release(id: number): void {
    if (!this.holds.delete(id) || this.holds.size > 0) return;
    if (!this.waitingForRelease) return;
    this.stopWaiting();
    if (this.activeRun !== undefined) this.queueSteps();
  }

  private stopWaiting(): void {
    this.waitingForRelease = false;
    if (this.holdTimeout !== undefined) clearTimeout(this.holdTimeout);
    this.holdTimeout = undefined;
  }
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new SimInvalidArgumentError(`invalid ${name} ${value}: expected a finite number of ms`);
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new SimInvalidArgumentError(`invalid ${name} ${value}: expected a positive integer`);
}
