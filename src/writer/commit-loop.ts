import type { Clock, TimerHandle } from "../clock.js";

/** Which dirty messages a commit takes: every one (a window tick) or only the urgent ones. */
export type CommitMode = "urgent" | "all";

/** What the {@link CommitLoop} schedules: the writer's commit and its oldest uncommitted change. */
export interface CommitLoopHost {
  /** Writes the dirty messages of `mode`. Never rejects: failures are the host's to handle. */
  commit(mode: CommitMode): Promise<void>;
  /** When the oldest uncommitted change of any message was accepted; undefined when none is. */
  oldestDirtySince(): number | undefined;
}

/**
 * When the coalescing writer commits (R3–R6): one serial chain of commits, so writes of a message
 * never overlap or reorder (R6), fed by
 *
 * - window ticks: armed one window after the oldest uncommitted change (R3: the window opens at
 *   the first buffered change), and at least a window after the previous tick started. Changes
 *   accepted while a tick was committing, or that queued behind it before the event loop turned
 *   once (SQLite's synchronous driver blocks the loop for the commit), go with the tick one window
 *   after that one started: a slow commit is absorbed by the next window instead of adding to it,
 *   so continuous streams are committed every window, and one commit longer than a window is
 *   followed by the next tick at once (R3, R5). Ticks are a window apart in real time, the clock's
 *   resolution added. One tick armed or queued at a time;
 * - urgent commits: requested by structural and terminal changes and flushes, batched per turn of
 *   the event loop (`setImmediate`), so changes arriving in the same turn share one transaction (R4);
 * - retries after a failed commit, with doubling backoff between `retryInitialMs` and `retryMaxMs`
 *   (R6); ticks wait while a retry is armed.
 *
 * Other serial work (lease renewal) joins the same chain with {@link enqueue}.
 */
export class CommitLoop {
  private chain: Promise<void> = Promise.resolve();
  private tickTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private urgentScheduled = false;
  /** A tick's commit is queued or running. */
  private tickQueued = false;
  /** When the last tick's commit started (ticks are at least a window apart). */
  private lastTickAt = Number.NEGATIVE_INFINITY;
  /** From a tick's start until the event loop turns after its commit: changes count from its start. */
  private inTickTurn = false;
  /** Ticks started so far (a turn's end clears only its own tick's flag). */
  private ticks = 0;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly host: CommitLoopHost,
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly retry: { initialMs: number; maxMs: number },
  ) {}

  /** Runs `task` after every commit queued so far, before any queued later. */
  enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task);
  }

  /** Arms the tick for the oldest uncommitted change, unless a tick or a retry is armed or queued. */
  scheduleTick(): void {
    if (this.stopped) return;
    if (this.tickTimer !== undefined || this.tickQueued || this.retryTimer !== undefined) return;
    const oldest = this.host.oldestDirtySince();
    if (oldest === undefined) return;
    const opensAt = this.inTickTurn ? this.lastTickAt : oldest;
    this.armTick(
      Math.max(
        opensAt + this.windowMs,
        this.lastTickAt + this.windowMs + (this.clock.resolutionMs ?? 0),
      ),
    );
  }

  /** Asks for an urgent commit in this turn of the event loop (R4). */
  requestUrgent(): void {
    if (this.urgentScheduled) return;
    this.urgentScheduled = true;
    // setImmediate, not a microtask: structural changes arriving in the same turn of the event loop
    // (several streams' I/O callbacks) share one transaction.
    setImmediate(() => {
      this.urgentScheduled = false;
      this.enqueue(() => this.host.commit("urgent"));
    });
  }

  /** A commit wrote something: the next failure starts the backoff afresh. */
  succeeded(): void {
    this.failures = 0;
  }

  /**
   * Schedules a retry of every dirty message after a failed commit, with doubling backoff (R6),
   * but no later than `notAfterMs` from now when given; the armed tick is cancelled (the retry
   * takes everything).
   * @returns the attempt number and the delay in ms.
   */
  scheduleRetry(notAfterMs = Number.POSITIVE_INFINITY): { attempt: number; retryInMs: number } {
    this.failures += 1;
    const backoffMs = this.retry.initialMs * 2 ** (this.failures - 1);
    const retryInMs = Math.max(0, Math.min(this.retry.maxMs, backoffMs, notAfterMs));
    if (this.tickTimer !== undefined) {
      this.clock.clearTimeout(this.tickTimer);
      this.tickTimer = undefined;
    }
    if (this.retryTimer === undefined) {
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = undefined;
        this.enqueue(() => this.host.commit("all"));
      }, retryInMs);
    }
    return { attempt: this.failures, retryInMs };
  }

  /** Resolves when no commit is queued or running (for tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain;
      if (this.urgentScheduled) {
        // The urgent commit is enqueued from a setImmediate: let the event loop run it.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (chain === this.chain) return;
    }
  }

  /** Stops arming ticks (shutdown: flushes are urgent commits from here on). */
  stopTicks(): void {
    this.stopped = true;
    if (this.tickTimer !== undefined) this.clock.clearTimeout(this.tickTimer);
    this.tickTimer = undefined;
  }

  /** Cancels an armed retry (the last step of shutdown). */
  stopRetries(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Arms a tick at `dueAt`; one that fires after urgent commits took everything commits nothing. */
  private armTick(dueAt: number): void {
    this.tickTimer = this.clock.setTimeout(
      () => {
        this.tickTimer = undefined;
        // Host timers count from the event loop's cached time and may fire a millisecond before
        // the clock reads dueAt: wait out the rest, so ticks stay a full window apart.
        if (this.clock.now() < dueAt) {
          this.armTick(dueAt);
          return;
        }
        if (this.host.oldestDirtySince() === undefined) return;
        this.tickQueued = true;
        this.enqueue(async () => {
          this.lastTickAt = this.clock.now();
          this.inTickTurn = true;
          const tick = ++this.ticks;
          try {
            await this.host.commit("all");
          } finally {
            this.tickQueued = false;
            setImmediate(() => {
              if (tick === this.ticks) this.inTickTurn = false;
            });
            this.scheduleTick();
          }
        });
      },
      Math.max(0, dueAt - this.clock.now()),
    );
  }
}
