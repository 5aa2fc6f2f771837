import type { TimerHandle } from "../clock.js";
import type { ArmedTrigger, RunTrigger } from "../store/inbound-records.js";
import { type FireContext, fireTrigger } from "./fire-trigger.js";

/** Settings of the {@link RunScheduler}. */
export interface RunSchedulerOptions {
  /** How often the database is polled for due triggers, ms (R23). */
  pollIntervalMs: number;
  /** How long a claim lasts unless renewed, ms (R23). */
  claimTtlMs: number;
  /** Triggers claimed per statement (default 20). */
  batchSize?: number;
  /** Deliveries running at once in this process (default 100). */
  maxInFlight?: number;
  /** False for an instance that only arms triggers: it never claims or fires one (default true). */
  enabled?: boolean;
}

/**
 * Fires durable run triggers when their debounce window closes (R22–R24; seed 004's
 * `pendingBatcher`, made durable and multi-node). The `run_triggers` rows are the truth; this
 * process only decides *when to look*:
 *
 * - a timer for the earliest due time it knows — from its own arms and, after each look, from the
 *   database (a hint: a timer for a window that was moved since finds nothing due, a no-op);
 * - a periodic poll (default every second), so triggers armed by other nodes, or before a restart
 *   or crash, fire too;
 * - each look claims due triggers in one guarded statement (`claimRunTriggers`) and fires them
 *   concurrently; each completes under its generation fence, and this node renews its claims
 *   while deliveries run (a slow `onRun` is not taken over; a dead node's claims expire).
 *
 * Looks never overlap: a timer that fires during one makes it look once more when done. With an
 * injected clock, tests drive windows, claims and backoff with fake time (STYLE habit 10).
 */
export class RunScheduler {
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = true;
  private running: Promise<void> | undefined;
  private again = false;
  private pollTimer: TimerHandle | undefined;
  private hintTimer: TimerHandle | undefined;
  private hintAt: number | undefined;
  private renewTimer: TimerHandle | undefined;

  constructor(
    private readonly ctx: FireContext,
    private readonly nodeId: string,
    private readonly options: RunSchedulerOptions,
  ) {
    this.batchSize = options.batchSize ?? 20;
    this.maxInFlight = options.maxInFlight ?? 100;
  }

  /** Starts polling and looks once now: triggers that came due while no node ran fire (R23). */
  start(): void {
    if (this.options.enabled === false) return;
    this.stopped = false;
    this.schedulePoll();
    void this.poke();
  }

  /** A trigger was (re)armed in this process: wake up when it is due (a hint). */
  armed(trigger: ArmedTrigger): void {
    this.hint(trigger.dueAt);
  }

  /** Claims and fires every due trigger now; resolves when that look is done. */
  fireDue(): Promise<void> {
    return this.poke();
  }

  /** Resolves once no look and no delivery is running (tests drive fake time, then wait). */
  async idle(): Promise<void> {
    while (this.running || this.inFlight.size > 0) {
      await this.running;
      await this.settled();
    }
  }

  /** Stops the timers and waits for a running look. Pending triggers stay durable. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.pollTimer, this.hintTimer]) {
      if (timer !== undefined) this.ctx.clock.clearTimeout(timer);
    }
    this.pollTimer = this.hintTimer = this.hintAt = undefined;
    await this.idle();
  }

  /**
   * Graceful shutdown (R23; seed 004's `FlushPendingRuns`): stops, then fires at once every pending
   * trigger this node armed — due or not — and every due one, one attempt each. A failed attempt
   * stays durable (`retrying`) for the next start or another node.
   * @returns the number of triggers claimed.
   */
  async drain(): Promise<number> {
    await this.stop();
    if (this.options.enabled === false) return 0;
    try {
      return await this.look(this.nodeId);
    } catch (error) {
      this.ctx.events.emit("lifecycle:error", { task: "run-drain", error });
      return 0;
    }
  }

  private poke(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const run = (async () => {
      try {
        do {
          this.again = false;
          await this.look();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.ctx.events.emit("lifecycle:error", { task: "run-scheduler", error });
      } finally {
        this.running = undefined;
      }
    })();
    this.running = run;
    return run;
  }

  /**
   * One look: claims due triggers batch by batch and starts firing them without waiting (a slow
   * delivery does not hold back other threads), up to `maxInFlight` at once; then hints the next
   * due time. With `armedBy` (shutdown) it also waits for the deliveries.
   */
  private async look(armedBy?: string): Promise<number> {
    const { store, clock } = this.ctx;
    if (armedBy === undefined) {
      const next = await store.nextRunDueAt();
      if (next === undefined || next > clock.now()) {
        this.hint(next);
        return 0;
      }
    }
    let claimedTotal = 0;
    for (;;) {
      const room = this.maxInFlight - this.inFlight.size;
      if (room <= 0) break; // a finishing delivery looks again
      const limit = Math.min(this.batchSize, room);
      const now = clock.now();
      const claimed = await store.claimRunTriggers({
        owner: this.nodeId,
        now,
        claimExpiresAt: now + this.options.claimTtlMs,
        limit,
        ...(armedBy === undefined ? {} : { armedBy }),
      });
      claimedTotal += claimed.length;
      for (const trigger of claimed) this.launch(trigger);
      if (claimed.length < limit) break;
    }
    if (armedBy !== undefined) {
      await this.settled();
      return claimedTotal;
    }
    const next = await store.nextRunDueAt();
    // Due but not claimed (another node holds its row this instant): leave it to the poll.
    if (next !== undefined && (next > clock.now() || claimedTotal > 0)) this.hint(next);
    return claimedTotal;
  }

  private launch(trigger: RunTrigger): void {
    const delivery: Promise<void> = fireTrigger(this.ctx, trigger)
      .catch((error) => this.ctx.events.emit("lifecycle:error", { task: "run-trigger", error }))
      .finally(() => {
        this.inFlight.delete(delivery);
        if (this.inFlight.size === 0 && this.renewTimer !== undefined) {
          this.ctx.clock.clearTimeout(this.renewTimer);
          this.renewTimer = undefined;
        }
        // Look again: for triggers left by a full `maxInFlight`, and to time a retry precisely.
        void this.poke();
      });
    this.inFlight.add(delivery);
    if (this.renewTimer === undefined) this.renewWhileFiring();
  }

  private async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Extends this node's claims every third of their TTL while deliveries run (R23). */
  private renewWhileFiring(): void {
    const { clock, store } = this.ctx;
    const every = Math.max(1, Math.floor(this.options.claimTtlMs / 3));
    this.renewTimer = clock.setTimeout(() => {
      store
        .renewRunClaims(this.nodeId, clock.now() + this.options.claimTtlMs)
        .catch((error) => this.ctx.events.emit("lifecycle:error", { task: "run-renew", error }))
        .finally(() => {
          if (this.renewTimer !== undefined && this.inFlight.size > 0) this.renewWhileFiring();
        });
    }, every);
  }

  private hint(at: number | undefined): void {
    if (at === undefined || this.stopped) return;
    if (this.hintAt !== undefined && this.hintAt <= at) return;
    if (this.hintTimer !== undefined) this.ctx.clock.clearTimeout(this.hintTimer);
    this.hintAt = at;
    this.hintTimer = this.ctx.clock.setTimeout(
      () => {
        this.hintTimer = this.hintAt = undefined;
        void this.poke();
      },
      Math.max(0, at - this.ctx.clock.now()),
    );
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    this.pollTimer = this.ctx.clock.setTimeout(() => {
      this.pollTimer = undefined;
      void this.poke().finally(() => this.schedulePoll());
    }, this.options.pollIntervalMs);
  }
}
