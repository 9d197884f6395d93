import seedrandom from 'seedrandom';

import type { Clock } from '../core/index.js';
import type { RandomStream } from './network.js';

/** Each interval between stall starts is routingStallEveryMs times a factor drawn uniformly from [0.8, 1.2). */
export const STALL_JITTER = 0.2;

/** Settings of a routing engine with a limited pool of workers. */
export interface RoutingSettings {
  workers: number;
  /** Worker time one call's setup takes, ms. */
  setupMs: number;
  /** Worker time one forwarded frame takes, in either direction, ms. */
  frameMs: number;
  /** Mean interval between stall starts, ms; undefined means no stalls. */
  stallEveryMs: number | undefined;
  /** Duration of each stall, ms. */
  stallMs: number;
  /** Time from the engine's creation until its costs and stalls apply, ms. */
  startAfterMs: number;
}

/** Live state of the routing engine, read at the current clock time. */
export interface RoutingGauges {
  workers: number;
  /** Jobs (setups and frames) waiting for a worker. */
  queueDepth: number;
  /** Workers running a job, or every worker during a stall. */
  busyWorkers: number;
  /** Stalls that have started so far. */
  stalls: number;
}

interface Interval {
  startAt: number;
  endAt: number;
}

/**
 * The switch's routing engine as a pool of workers that serve setup and
 * frame jobs first in first out. A job takes the worker that frees
 * first, starts when that worker is free, and keeps it busy for the job's cost.
 * During a stall no job starts and running jobs pause, so every call's
 * frames wait at once. Completion times are computed when a job is
 * submitted, so the engine sets no timers of its own.
 *
 * Jobs must be submitted in clock order, which holds because each one is
 * submitted at `clock.now()`.
 *
 * NOTE: a submitted job is never withdrawn, so the setup of a call that
 * hangs up while it waits for a worker still takes its worker time.
 */
export class RoutingEngine {
  private readonly onsetAt: number;
  /** Time each worker finishes its last job. */
  private readonly freeAt: number[];
  /** Jobs that had not ended at the last submission, in submission order. */
  private readonly jobs: Interval[] = [];
  /** Stall windows generated so far that had not ended at the last submission, in time order. */
  private readonly stallWindows: Interval[] = [];
  private readonly random: RandomStream | undefined;
  private nextStallAt = Number.POSITIVE_INFINITY;
  private stallsGenerated = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: RoutingSettings,
    seed: string | number | undefined,
  ) {
    this.onsetAt = clock.now() + settings.startAfterMs;
    this.freeAt = Array.from({ length: settings.workers }, () => this.onsetAt);
    if (settings.stallEveryMs !== undefined && settings.stallMs > 0) {
      this.random = seed === undefined ? seedrandom() : seedrandom(`${seed}:switch:routing`);
      this.nextStallAt = this.onsetAt + this.stallIntervalMs();
    }
  }

  /** Submits one call's setup now and returns the time it completes. */
  setup(): number {
    return this.submit(this.settings.setupMs);
  }

  /** Submits one forwarded frame now and returns the time it may go on. */
  frame(): number {
    return this.submit(this.settings.frameMs);
  }

  /** Reads the queue, the busy workers and the stall count at the current time. */
  gauges(): RoutingGauges {
    const now = this.clock.now();
    this.generateStallsThrough(now);
    const startedStalls = this.stallsGenerated - this.stallWindows.filter((window) => window.startAt > now).length;
    const stalled = this.stallWindows.some((window) => window.startAt <= now && now < window.endAt);

    let queued = 0;
    let running = 0;
    for (const job of this.jobs) {
      if (job.startAt > now) queued++;
      else if (job.endAt > now) running++;
    }
    return {
      workers: this.settings.workers,
      queueDepth: queued,
      busyWorkers: stalled ? this.settings.workers : Math.min(running, this.settings.workers),
      stalls: startedStalls,
    };
  }

  private submit(costMs: number): number {
    const now = this.clock.now();
    if (now < this.onsetAt) return now;
    this.forgetEnded(now);

    // A free job waits only for a stall, never behind queued work.
    if (costMs === 0) return this.run(now, 0).endAt;

    const worker = this.firstFreeWorker();
    const job = this.run(Math.max(now, this.freeAt[worker]!), costMs);
    this.freeAt[worker] = job.endAt;
    this.jobs.push(job);
    return job.endAt;
  }

  private firstFreeWorker(): number {
    let best = 0;
    for (let i = 1; i < this.freeAt.length; i++) {
      if (this.freeAt[i]! < this.freeAt[best]!) best = i;
    }
    return best;
  }

  /** Places `costMs` of work from `readyAt` on, pausing for every stall window it meets. */
  private run(readyAt: number, costMs: number): Interval {
    let time = readyAt;
    let remaining = costMs;
    let startAt: number | undefined;

    for (;;) {
      this.generateStallsThrough(time + remaining);
      const window = this.stallWindows.find((candidate) => candidate.endAt > time);
      if (window === undefined || window.startAt >= time + remaining) break;
      if (window.startAt > time) {
        startAt ??= time;
        remaining -= window.startAt - time;
      }
      time = window.endAt;
    }
    return { startAt: startAt ?? time, endAt: time + remaining };
  }

  private generateStallsThrough(time: number): void {
    while (this.nextStallAt <= time) {
      this.stallWindows.push({ startAt: this.nextStallAt, endAt: this.nextStallAt + this.settings.stallMs });
      this.stallsGenerated++;
      this.nextStallAt += this.stallIntervalMs();
    }
  }

  private stallIntervalMs(): number {
    const factor = 1 - STALL_JITTER + 2 * STALL_JITTER * this.random!();
    return this.settings.stallEveryMs! * factor;
  }

  /**
   * Drops the leading jobs and stall windows that ended by `now`, which
   * never decreases between submissions. A long job at the head keeps
   * shorter ended ones behind it until it ends, and gauges() skips those.
   */
  private forgetEnded(now: number): void {
    let endedJobs = 0;
    while (endedJobs < this.jobs.length && this.jobs[endedJobs]!.endAt <= now) endedJobs++;
    if (endedJobs > 0) this.jobs.splice(0, endedJobs);

    let endedStalls = 0;
    while (endedStalls < this.stallWindows.length && this.stallWindows[endedStalls]!.endAt <= now) endedStalls++;
    if (endedStalls > 0) this.stallWindows.splice(0, endedStalls);
  }
}
