import type { Clock, TimerHandle } from '../core/index.js';
import { TokenBucket } from './token-bucket.js';

/** Rejection reasons of the admission limits, with their SIP status codes. */
export const ADMISSION_REJECTIONS = Object.freeze({
  /** 503 Service Unavailable: the calls-per-second limit. */
  rejected_cps: 503,
  /** 486 Busy Here: every channel is in use. */
  rejected_busy: 486,
});

export type AdmissionRejection = keyof typeof ADMISSION_REJECTIONS;

export interface AdmissionLimits {
  callsPerSecond: number | undefined;
  cpsBurst: number | undefined;
  maxChannels: number | undefined;
  /** Maximum wait in the queue; 0 rejects over-limit calls at once. */
  admissionQueueMs: number;
}

/** Callbacks of one call asking for a channel. Exactly one of them runs. */
export interface AdmissionRequest {
  admitted(waitMs: number): void;
  rejected(reason: AdmissionRejection, waitMs: number): void;
}

interface QueuedRequest {
  request: AdmissionRequest;
  enqueuedAt: number;
  deadline: TimerHandle;
}

/**
 * Admission control of the switch: a calls-per-second token bucket and a
 * cap on concurrent channels. A call over a limit is rejected at once or,
 * when admissionQueueMs > 0, waits in a first-in-first-out queue until both
 * limits let it in or its wait runs out.
 */
export class Admission {
  private inUse = 0;
  private readonly queue: QueuedRequest[] = [];
  private readonly bucket: TokenBucket | undefined;
  private wakeTimer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly limits: AdmissionLimits,
  ) {
    if (limits.callsPerSecond !== undefined) {
      this.bucket = new TokenBucket(clock, limits.callsPerSecond, limits.cpsBurst ?? Math.max(1, Math.ceil(limits.callsPerSecond)));
    }
  }

  get channelsInUse(): number {
    return this.inUse;
  }

  get queueDepth(): number {
    return this.queue.length;
  }

  /**
   * Admits, queues or rejects one call. Returns a function that withdraws a
   * queued request without calling either callback, for a caller that left.
   */
  request(request: AdmissionRequest): () => void {
    if (this.queue.length === 0 && this.tryAdmit()) {
      request.admitted(0);
      return () => undefined;
    }
    if (this.limits.admissionQueueMs <= 0) {
      request.rejected(this.blockingLimit(), 0);
      return () => undefined;
    }

    const entry: QueuedRequest = {
      request,
      enqueuedAt: this.clock.now(),
      deadline: this.clock.setTimer(() => this.expire(entry), this.limits.admissionQueueMs),
    };
    this.queue.push(entry);
    this.armWake();
    return () => this.withdraw(entry);
  }

  /** Frees the channel of an admitted call that ended and admits queued calls. */
  release(): void {
    this.inUse = Math.max(0, this.inUse - 1);
    this.pump();
  }

  /** Stops the wake-up timer; queued calls are withdrawn by their owners. */
  close(): void {
    this.clock.clearTimer(this.wakeTimer);
    for (const entry of this.queue) this.clock.clearTimer(entry.deadline);
  }

  private tryAdmit(): boolean {
    if (this.limits.maxChannels !== undefined && this.inUse >= this.limits.maxChannels) return false;
    if (this.bucket !== undefined && !this.bucket.tryTake()) return false;
    this.inUse++;
    return true;
  }

  /** The limit that keeps a call out now: channels first, because they do not refill with time. */
  private blockingLimit(): AdmissionRejection {
    if (this.limits.maxChannels !== undefined && this.inUse >= this.limits.maxChannels) return 'rejected_busy';
    return 'rejected_cps';
  }

  private pump(): void {
    while (this.queue.length > 0 && this.tryAdmit()) {
      const entry = this.queue.shift()!;
      this.clock.clearTimer(entry.deadline);
      entry.request.admitted(this.clock.now() - entry.enqueuedAt);
    }
    this.armWake();
  }

  /** Wakes the queue when the next token is due, if tokens are all that keep its head out. */
  private armWake(): void {
    this.clock.clearTimer(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.queue.length === 0 || this.bucket === undefined || this.blockingLimit() === 'rejected_busy') return;
    this.wakeTimer = this.clock.setTimer(() => this.pump(), this.bucket.msUntilToken());
  }

  private expire(entry: QueuedRequest): void {
    // A token or channel that frees at the deadline still admits the call.
    this.pump();
    if (!this.queue.includes(entry)) return;
    this.withdraw(entry);
    entry.request.rejected(this.blockingLimit(), this.clock.now() - entry.enqueuedAt);
  }

  private withdraw(entry: QueuedRequest): void {
    const index = this.queue.indexOf(entry);
    if (index === -1) return;
    this.queue.splice(index, 1);
    this.clock.clearTimer(entry.deadline);
    this.armWake();
  }
}
