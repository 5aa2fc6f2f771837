import type { Broker } from "../broker/broker.js";
import type { Clock, TimerHandle } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { Store } from "../store/store.js";

/** Settings of the crash sweep (R18). */
export interface SweeperOptions {
  /** Time between sweeps in ms (default 10 000). */
  intervalMs?: number;
  /** Messages finalized per store call (default 100). */
  batchSize?: number;
}

/**
 * The crash sweep (R18, seed 002 — without its flaw of aborting other nodes' live streams): at
 * start and then periodically, finalizes `aborted` every streaming message whose writer lease has
 * expired, with a `message.finished` event each. A live writer renews its leases every third of
 * their length, so its messages, on this node or another, are never swept.
 */
export class LeaseSweeper {
  private timer: TimerHandle | undefined;
  private stopped = false;
  private running: Promise<number> | undefined;
  private readonly intervalMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly store: Store,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    options: SweeperOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.batchSize = options.batchSize ?? 100;
  }

  /**
   * Sweeps once now (joining a sweep already running).
   * @returns the number of messages finalized.
   */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Sweeps now, then every interval until {@link stop}. */
  async start(): Promise<number> {
    this.stopped = false;
    const count = await this.sweep();
    this.schedule();
    return count;
  }

  /** Stops the periodic sweep and waits for a running one. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.sweep()
        .catch((error) => this.hub.emit("lifecycle:error", { task: "sweep", error }))
        .finally(() => this.schedule());
    }, this.intervalMs);
  }

  private async sweepAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const swept = await this.store.sweepExpiredLeases(this.clock.now(), this.batchSize);
      await Promise.all(
        swept.map(({ workspaceId, event }) => this.broker.publish(workspaceId, event)),
      );
      total += swept.length;
      if (swept.length < this.batchSize) break;
    }
    if (total > 0) this.hub.emit("lifecycle:swept", { count: total });
    return total;
  }
}
