import type { Clock, TimerHandle } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { Store } from "../store/store.js";

/** Settings of the {@link RetentionPurger}. */
export interface RetentionOptions {
  /** How long processed claims and finished triggers are kept, ms (R25). */
  retentionMs: number;
  /** Time between purges, ms. */
  intervalMs: number;
}

/**
 * The retention purge of the inbound subsystem (R25; seed 004 never purged its claims): every
 * interval, deletes idempotency claims and finished run triggers older than the retention period
 * (`purgeInbound`). A key whose claim was purged is a new key again.
 */
export class RetentionPurger {
  private timer: TimerHandle | undefined;
  private stopped = true;
  private running: Promise<{ claims: number; triggers: number }> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    private readonly options: RetentionOptions,
  ) {}

  /**
   * Purges once, after a purge already running: everything past retention at the time it starts.
   * @returns how many claims and triggers this purge deleted.
   */
  purge(): Promise<{ claims: number; triggers: number }> {
    const previous = this.running?.catch(() => {});
    const run = (async () => {
      await previous;
      const counts = await this.store.purgeInbound(this.clock.now() - this.options.retentionMs);
      if (counts.claims + counts.triggers > 0) this.hub.emit("inbound:purged", counts);
      return counts;
    })().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Purges every interval until {@link stop}. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stops the periodic purge and waits for a running one. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.purge()
        .catch((error) => this.hub.emit("lifecycle:error", { task: "inbound-purge", error }))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
  }
}
