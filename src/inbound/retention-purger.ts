import type { Clock } from "../clock.js";
import { PeriodicTask } from "../lifecycle/periodic-task.js";
import type { EventHub } from "../observe.js";
import type { InboundStore } from "../store/inbound-store.js";

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
  private readonly task: PeriodicTask<{ claims: number; triggers: number }>;

  constructor(
    private readonly store: InboundStore,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    private readonly options: RetentionOptions,
  ) {
    this.task = new PeriodicTask(
      clock,
      options.intervalMs,
      () => this.purgeOnce(),
      (error) => hub.emit("lifecycle:error", { task: "inbound-purge", error }),
    );
  }

  /**
   * Purges once, after a purge already running: everything past retention at the time it starts.
   * @returns how many claims and triggers this purge deleted.
   */
  purge(): Promise<{ claims: number; triggers: number }> {
    return this.task.runNow();
  }

  /** Purges every interval until {@link stop}. */
  start(): void {
    this.task.start();
  }

  /** Stops the periodic purge and waits for a running one. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  private async purgeOnce(): Promise<{ claims: number; triggers: number }> {
    const counts = await this.store.purgeInbound(this.clock.now() - this.options.retentionMs);
    if (counts.claims + counts.triggers > 0) this.hub.emit("inbound:purged", counts);
    return counts;
  }
}
