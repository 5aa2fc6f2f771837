/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | ReturnType<typeof setTimeout>;

/**
 * Time as Threadline sees it (STYLE habit 10): windows, debounces, leases and backoff all read the
 * time and set timers through a clock, so tests drive them with {@link ManualClock} instead of
 * sleeping. Times are milliseconds since the epoch.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /**
   * How much finer real time is than `now()` (ms; 0 when unset): a span measured between two
   * readings can be this much longer in real time, so spacings that must hold in real time (ticks
   * a window apart) add it.
   */
  readonly resolutionMs?: number;
}

/** The real clock: `Date.now()` and the host's timers (which do not keep the process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  resolutionMs: 1, // Date.now() truncates to the millisecond
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface ManualTimer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to, for tests of windows, leases and retries.
 *
 * @example
 * ```ts
 * const clock = new ManualClock(1_000);
 * clock.setTimeout(() => console.log("fired"), 33);
 * clock.advance(33); // prints "fired"
 * ```
 */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];
  private nextId = 1;

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueAt: this.current + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== (handle as unknown as number));
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in due order (each at its own due time). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.dueAt <= target)
        .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.dueAt);
      due.callback();
    }
    this.current = target;
  }
}

/** Generates ids for threads and messages; injectable for tests (STYLE habit 10). */
export type IdGenerator = () => string;

/** The default id generator: random UUIDs. */
export const randomId: IdGenerator = () => crypto.randomUUID();
