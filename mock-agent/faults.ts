import seedrandom from 'seedrandom';

import type { Clock, Logger } from '../core/index.js';

import { STAGE_NAMES, type MockConfig, type RateLimitConfig, type StageName } from './config.js';
import { abortedError } from './errors.js';
import { SlotPool, TokenBucket } from './limits.js';
import { createCallRandom, type CallRandom } from './random.js';
import { StallSchedule } from './stalls.js';

/** Fault state of one call, fixed when its stream starts. */
export interface CallFaults {
  readonly callSid: string;
  /** Uniform draw in [0, 1) from the seed and the callSid alone; the call is on the slow path when it is below the share. */
  readonly slowPathDraw: number;
  /** `retained` keeps a socket for good, `none` found the cap reached, `free` started with no cap in force. */
  socket: 'retained' | 'none' | 'free';
  /** Aborts when the call ends, so that its waits leave their queues. */
  readonly signal: AbortSignal;
}

/** Counters and gauges of the fault machinery, for the mock's `/metrics`. */
export interface FaultMetrics {
  /** Gauge: requests in each stage, waiting or served. */
  activeRequests: Record<StageName, number>;
  /** Gauge: requests waiting for a slot in each stage. */
  queuedRequests: Record<StageName, number>;
  /** Counter: ms requests spent waiting for a slot, a token or a rate-limit backoff, per stage. */
  queueWaitMs: Record<StageName, number>;
  /** Counter: attempts abandoned at the stage's timeout. */
  timeouts: Record<StageName, number>;
  /** Counter: new attempts after a timeout or a rate-limit rejection. */
  retries: Record<StageName, number>;
  /** Counter: requests that found the stage's token bucket empty, once per rejection. */
  rateLimited: Record<StageName, number>;
  /** Counter: answers and greetings given up in each stage after the last timeout or rate-limit rejection. */
  dropped: Record<StageName, number>;
  /** Counter: partial answers sent by TTS attempts that timed out. */
  fragments: number;
  /** Gauge: provider sockets kept for good by a `cap` leak. */
  retainedSockets: number;
  /** Counter: calls that found the socket cap reached, so never answer. */
  callsWithoutSocket: number;
  /** Gauge: bytes kept for good by `retainBytesPerCall`. */
  retainedBytes: number;
  /** Counter: `gc` stalls started so far. */
  stalls: number;
  /** Counter: turns given the slow path's extra LLM time. */
  slowPathTurns: number;
  /** Gauge: LLM ms that a `drift` leak adds to a turn starting now. */
  driftMs: number;
}

/** Returned by an admission that took nothing, so releasing it needs no timer. */
export const NO_RELEASE = (): void => undefined;

/** Total bytes `retainBytesPerCall` may keep, so that a long run cannot exhaust memory. */
const MAX_RETAINED_BYTES = 1024 * 1024 * 1024;
/** Share of a rate-limit backoff by which the seeded jitter moves it either way. */
const BACKOFF_JITTER = 0.2;

/**
 * Agent-wide fault state: the current config, the onset clock, slot pools,
 * token buckets, gc stalls, retained sockets and the counters. Each request
 * reads the config when it starts, so `update` applies to new requests at
 * once. Fault onsets count from the start of the agent's first stream.
 */
export class FaultState {
  private current: Readonly<MockConfig>;
  private originAt: number | undefined;
  private readonly pools: Record<StageName, SlotPool>;
  private readonly buckets = new Map<StageName, TokenBucket>();
  private stalls: { key: string; schedule: StallSchedule } | undefined;
  /** Stalls of schedules replaced by a config update. */
  private earlierStalls = 0;
  /** Time of the last schedule replacement, before which a new schedule places no stall. */
  private stallFloor = -Infinity;
  private readonly agentRandom: CallRandom;
  /** Start times of every stream, ascending, for the `drift` leak's count of calls handled. */
  private readonly callStarts: number[] = [];
  private readonly retainedBuffers: Buffer[] = [];
  private readonly socketWaiters = new Set<() => void>();
  private warnedRetainInSim = false;
  private readonly counters: FaultMetrics;

  constructor(
    private readonly clock: Clock,
    private readonly seed: string,
    config: Readonly<MockConfig>,
    private readonly logger: Logger,
  ) {
    this.current = config;
    this.agentRandom = createCallRandom(seed, 'agent');
    this.pools = Object.fromEntries(STAGE_NAMES.map((name) => [name, new SlotPool(config.stages[name].slots ?? Infinity)])) as Record<StageName, SlotPool>;
    const perStage = (): Record<StageName, number> => ({ stt: 0, llm: 0, tts: 0 });
    this.counters = {
      activeRequests: perStage(),
      queuedRequests: perStage(),
      queueWaitMs: perStage(),
      timeouts: perStage(),
      retries: perStage(),
      rateLimited: perStage(),
      dropped: perStage(),
      fragments: 0,
      retainedSockets: 0,
      callsWithoutSocket: 0,
      retainedBytes: 0,
      stalls: 0,
      slowPathTurns: 0,
      driftMs: 0,
    };
  }

  get config(): Readonly<MockConfig> {
    return this.current;
  }

  /** Switches to `config` for every request that starts from now on. */
  update(config: Readonly<MockConfig>): void {
    this.current = config;
    for (const name of STAGE_NAMES) this.pools[name].setLimit(config.stages[name].slots ?? Infinity);
    for (const wake of [...this.socketWaiters]) wake();

    const stalls = this.stalls;
    if (stalls !== undefined && stalls.key !== stallKey(config)) {
      const now = this.clock.now();
      this.earlierStalls += stalls.schedule.startedBy(now);
      this.stallFloor = now;
      this.stalls = undefined;
    }
  }

  /** Returns a copy of the counters, with the gauges read now. */
  metrics(): FaultMetrics {
    const now = this.clock.now();
    const stalls = this.stallSchedule();
    return {
      ...this.counters,
      activeRequests: { ...this.counters.activeRequests },
      queuedRequests: Object.fromEntries(STAGE_NAMES.map((name) => [name, this.pools[name].queued])) as Record<StageName, number>,
      queueWaitMs: { ...this.counters.queueWaitMs },
      timeouts: { ...this.counters.timeouts },
      retries: { ...this.counters.retries },
      rateLimited: { ...this.counters.rateLimited },
      dropped: { ...this.counters.dropped },
      stalls: this.earlierStalls + (stalls?.startedBy(now) ?? 0),
      driftMs: this.driftMs(),
    };
  }

  /** True once `startAfterMs` has passed since the agent's first stream started. */
  isActive(startAfterMs: number): boolean {
    return this.originAt !== undefined && this.clock.now() - this.originAt >= startAfterMs;
  }

  /** Registers a stream that has just started and returns its fault state. */
  startCall(callSid: string, signal: AbortSignal): CallFaults {
    const now = this.clock.now();
    this.originAt ??= now;
    this.callStarts.push(now);

    const leak = this.current.leak;
    const leakActive = leak !== null && this.isActive(leak.startAfterMs);
    let socket: CallFaults['socket'] = 'free';
    if (leakActive && leak.mode === 'cap') socket = this.takeSocket(leak.maxSockets) ? 'retained' : 'none';
    if (socket === 'none') this.counters.callsWithoutSocket++;
    if (leakActive && leak.retainBytesPerCall > 0) this.retainBytes(leak.retainBytesPerCall);

    return { callSid, slowPathDraw: seedrandom(`${this.seed}:${callSid}:slow-path`)(), socket, signal };
  }

  /** Returns when work due at `time` can run, which is later only inside a `gc` stall. */
  resume(time: number): number {
    return this.stallSchedule()?.resume(time) ?? time;
  }

  /** Sleeps until `time`, or the end of the stall it falls in, and returns that time. Rejects with VL_MOCK_ABORTED when `signal` has aborted by then. */
  async sleepUntil(time: number, signal: AbortSignal): Promise<number> {
    const resumeAt = this.resume(time);
    await this.clock.sleep(resumeAt - this.clock.now());
    if (signal.aborted) throw abortedError();
    return resumeAt;
  }

  /** LLM ms that the `drift` leak and the slow path add to one turn of `call`. */
  extraLlmMs(call: CallFaults): number {
    const slowPath = this.current.slowPath;
    let extraMs = this.driftMs();
    if (slowPath !== null && this.isActive(slowPath.startAfterMs) && call.slowPathDraw < slowPath.share) {
      this.counters.slowPathTurns++;
      extraMs += slowPath.extraMs;
    }
    return extraMs;
  }

  /**
   * Waits for admission to `stage`: a provider socket (LLM under a `cap`
   * leak), then the rate limit, then a slot. Resolves with the release of
   * what it took, or null when the rate limit drops the request.
   */
  async admit(stage: StageName, call: CallFaults, random: CallRandom): Promise<(() => void) | null> {
    const requestedAt = this.clock.now();
    if (stage === 'llm') await this.waitForSocket(call);

    const config = this.current.stages[stage];
    if (!this.isActive(config.startAfterMs)) return NO_RELEASE;

    if (config.rateLimit !== null && !(await this.passRateLimit(stage, config.rateLimit, call, random))) return null;

    let release = NO_RELEASE;
    if (config.slots !== null) {
      await this.pools[stage].acquire(call.signal);
      release = once(() => this.pools[stage].release());
    }
    this.counters.queueWaitMs[stage] += this.clock.now() - requestedAt;
    return release;
  }

  /** Releases a slot at `time`, because the provider goes on serving a request the agent has abandoned. */
  releaseAt(release: () => void, time: number): void {
    if (release === NO_RELEASE) return;
    const resumeAt = this.resume(time);
    if (resumeAt <= this.clock.now()) return release();
    this.clock.setTimer(release, resumeAt - this.clock.now());
  }

  requestStarted(stage: StageName): void {
    this.counters.activeRequests[stage]++;
  }

  requestEnded(stage: StageName): void {
    this.counters.activeRequests[stage]--;
  }

  countTimeout(stage: StageName): void {
    this.counters.timeouts[stage]++;
  }

  countRetry(stage: StageName): void {
    this.counters.retries[stage]++;
  }

  countDropped(stage: StageName): void {
    this.counters.dropped[stage]++;
  }

  countFragment(): void {
    this.counters.fragments++;
  }

  private async passRateLimit(stage: StageName, limit: Readonly<RateLimitConfig>, call: CallFaults, random: CallRandom): Promise<boolean> {
    const bucket = this.bucketFor(stage, limit.burst);

    if (limit.onLimit === 'queue') {
      const waitMs = bucket.reserve(limit.perSecond, limit.burst);
      if (waitMs > 0) {
        this.counters.rateLimited[stage]++;
        await this.sleepUntil(this.clock.now() + waitMs, call.signal);
      }
      return true;
    }

    for (let attempt = 0; ; attempt++) {
      if (bucket.tryTake(limit.perSecond, limit.burst)) return true;
      this.counters.rateLimited[stage]++;
      if (limit.onLimit === 'fail' || attempt >= limit.maxRetries) return false;

      this.counters.retries[stage]++;
      const jitter = 1 + BACKOFF_JITTER * (2 * random.uniform() - 1);
      await this.sleepUntil(this.clock.now() + limit.retryBackoffMs * 2 ** attempt * jitter, call.signal);
    }
  }

  private bucketFor(stage: StageName, capacity: number): TokenBucket {
    let bucket = this.buckets.get(stage);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.clock, capacity);
      this.buckets.set(stage, bucket);
    }
    return bucket;
  }

  /** Waits until `call` has a provider socket: at once unless a `cap` leak left it without one. */
  private async waitForSocket(call: CallFaults): Promise<void> {
    while (call.socket === 'none') {
      const leak = this.current.leak;
      if (leak?.mode !== 'cap') {
        call.socket = 'free';
        return;
      }
      if (this.takeSocket(leak.maxSockets)) {
        call.socket = 'retained';
        return;
      }
      // Only a config update can free the call, so it waits for one or for its end.
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          this.socketWaiters.delete(wake);
          call.signal.removeEventListener('abort', leave);
          resolve();
        };
        const leave = (): void => {
          this.socketWaiters.delete(wake);
          reject(abortedError());
        };
        if (call.signal.aborted) return leave();
        this.socketWaiters.add(wake);
        call.signal.addEventListener('abort', leave, { once: true });
      });
    }
  }

  private takeSocket(maxSockets: number): boolean {
    if (this.counters.retainedSockets >= maxSockets) return false;
    this.counters.retainedSockets++;
    return true;
  }

  private retainBytes(bytes: number): void {
    if (this.clock.virtual) {
      if (!this.warnedRetainInSim) this.logger.warn({ retainBytesPerCall: bytes }, 'leak.retainBytesPerCall is ignored on a virtual clock');
      this.warnedRetainInSim = true;
      return;
    }
    if (this.counters.retainedBytes + bytes > MAX_RETAINED_BYTES) return;
    this.retainedBuffers.push(Buffer.alloc(bytes, 1));
    this.counters.retainedBytes += bytes;
  }

  private driftMs(): number {
    const leak = this.current.leak;
    if (leak?.mode !== 'drift' || this.originAt === undefined) return 0;
    const onsetAt = this.originAt + leak.startAfterMs;
    if (this.clock.now() < onsetAt) return 0;
    return leak.msPerCall * (this.callStarts.length - countBefore(this.callStarts, onsetAt));
  }

  private stallSchedule(): StallSchedule | undefined {
    const leak = this.current.leak;
    if (leak?.mode !== 'gc' || this.originAt === undefined) return undefined;

    if (this.stalls === undefined) {
      const firstAfter = Math.max(this.originAt + leak.startAfterMs, this.stallFloor) + leak.everyMs;
      const schedule = new StallSchedule({ firstAfter, everyMs: leak.everyMs, stallMs: leak.stallMs, jitter: leak.jitter }, this.agentRandom);
      this.stalls = { key: stallKey(this.current)!, schedule };
    }
    return this.stalls.schedule;
  }
}

function stallKey(config: Readonly<MockConfig>): string | undefined {
  const leak = config.leak;
  return leak?.mode === 'gc' ? `${leak.everyMs}/${leak.stallMs}/${leak.jitter}/${leak.startAfterMs}` : undefined;
}

/** Number of entries of the ascending `values` below `limit`. */
function countBefore(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle]! < limit) low = middle + 1;
    else high = middle;
  }
  return low;
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
