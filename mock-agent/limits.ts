import type { Clock } from '../core/index.js';

import { abortedError } from './errors.js';

/**
 * A pool of slots granted in request order. The limit can change at any
 * time; a larger one admits waiting requests at once, a smaller one lets the
 * requests in progress finish.
 */
export class SlotPool {
  private inUse = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private limit: number) {}

  get active(): number {
    return this.inUse;
  }

  get queued(): number {
    return this.waiters.length;
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.grant();
  }

  /** Resolves once a slot is free. Rejects with VL_MOCK_ABORTED, leaving the queue, when `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    if (this.waiters.length === 0 && this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const admit = (): void => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = (): void => {
        const index = this.waiters.indexOf(admit);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortedError());
      };
      if (signal.aborted) return leave();
      signal.addEventListener('abort', leave, { once: true });
      this.waiters.push(admit);
    });
  }

  release(): void {
    this.inUse--;
    this.grant();
  }

  private grant(): void {
    while (this.waiters.length > 0 && this.inUse < this.limit) {
      this.inUse++;
      this.waiters.shift()!();
    }
  }
}

/** Slack for floating-point refill, so waiting exactly the reported time yields a token. */
const EPSILON_TOKENS = 1e-9;

/**
 * Token bucket that refills continuously. The rate and capacity are passed
 * on every call, so a new limit applies to the next request. It starts full.
 * A reservation may take the level below zero, which makes later
 * reservations wait longer: the order of waiting requests is kept.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    capacity: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  /** Takes one token if a whole one is available and returns whether it did. */
  tryTake(perSecond: number, capacity: number): boolean {
    this.refill(perSecond, capacity);
    if (this.tokens < 1 - EPSILON_TOKENS) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Takes one token now or in the future and returns the ms until it is available, 0 if it is now. */
  reserve(perSecond: number, capacity: number): number {
    this.refill(perSecond, capacity);
    this.tokens -= 1;
    if (this.tokens >= -EPSILON_TOKENS) return 0;
    return (-this.tokens * 1000) / perSecond;
  }

  private refill(perSecond: number, capacity: number): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(capacity, this.tokens + (elapsedMs * perSecond) / 1000);
    this.updatedAt = now;
  }
}
