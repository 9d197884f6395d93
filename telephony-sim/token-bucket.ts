import type { Clock } from '../core/index.js';

/** Slack for floating-point refill, so waiting exactly msUntilToken() yields a token. */
const EPSILON_TOKENS = 1e-9;

/**
 * Token bucket that refills continuously at `ratePerSecond` up to
 * `capacity`. The level is computed from the time elapsed since the last
 * update, so no timer runs while the bucket refills. It starts full.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly clock: Clock,
    private readonly ratePerSecond: number,
    private readonly capacity: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = clock.now();
  }

  /** Takes one token if a whole one is available and returns whether it did. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1 - EPSILON_TOKENS) return false;
    this.tokens = Math.max(0, this.tokens - 1);
    return true;
  }

  /** Time from now until a whole token is available, 0 if one is. */
  msUntilToken(): number {
    this.refill();
    if (this.tokens >= 1 - EPSILON_TOKENS) return 0;
    return ((1 - this.tokens) * 1000) / this.ratePerSecond;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
