import type { Broker } from "../broker/broker.js";
import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import type { Store } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

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
  private readonly task: PeriodicTask<number>;
  private readonly batchSize: number;

  constructor(
    private readonly store: Store,
    private readonly broker: Broker,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    options: SweeperOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.task = new PeriodicTask(
      clock,
      options.intervalMs ?? 10_000,
      () => this.sweepAll(),
      (error) => hub.emit("lifecycle:error", { task: "sweep", error }),
    );
  }

  /**
   * Sweeps once now (after a sweep already running).
   * @returns the number of messages finalized.
   */
  sweep(): Promise<number> {
    return this.task.runNow();
  }

  /** Sweeps now, then every interval until {@link stop}. */
  async start(): Promise<number> {
    const count = await this.sweep();
    this.task.start();
    return count;
  }

  /** Stops the periodic sweep and waits for a running one. */
  stop(): Promise<void> {
    return this.task.stop();
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
