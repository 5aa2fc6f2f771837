/**
 * A token bucket (R33): `ratePerSecond` tokens flow in continuously up to `capacity` (the burst,
 * one second's worth by default). Taking may leave it in debt (below zero): a chunk larger than
 * the whole burst still passes once the bucket is full, and the debt delays whatever comes next
 * by exactly its size — so over any long run at most `ratePerSecond` tokens go through per second.
 *
 * Time is passed in (ms, from the caller's clock), so tests drive it with a fake clock. Own code
 * rather than a package: the npm token buckets read `Date.now()` and arm their own timers, and this
 * one must follow Threadline's injectable {@link Clock} (STYLE habit 10).
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(10, clock.now()); // 10 per second, burst 10
 * if (bucket.waitMs(1, clock.now()) === 0) bucket.take(1, clock.now());
 * ```
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    /** Tokens added per second (a positive number). */
    readonly ratePerSecond: number,
    now: number,
    /** Most tokens it holds (default one second's worth). */
    readonly capacity = ratePerSecond,
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  /** Tokens available at `now` (negative while in debt). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /**
   * Milliseconds from `now` until `amount` tokens may be taken: until the bucket holds `amount`,
   * or is full for an amount above its capacity. 0 when they may be taken now.
   */
  waitMs(amount: number, now: number): number {
    const needed = Math.min(amount, this.capacity) - this.available(now);
    return needed <= EPSILON ? 0 : Math.ceil((needed * 1_000) / this.ratePerSecond);
  }

  /** Takes `amount` tokens at `now`, going into debt if there are fewer. */
  take(amount: number, now: number): void {
    this.refill(now);
    this.tokens -= amount;
  }

  private refill(now: number): void {
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsedMs * this.ratePerSecond) / 1_000);
    this.refilledAt = Math.max(this.refilledAt, now);
  }
}

/** Rounding slack: a refill that lands a hair under a whole token still counts as that token. */
const EPSILON = 1e-9;
