import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import { RESTART_REASON } from "../protocol/events.js";
import type { Store, SweepScope } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";

/** Settings of the crash sweep (R18). */
export interface SweeperOptions {
  /** Time between sweeps in ms (default 10 000). */
  intervalMs?: number;
  /** Messages finalized per store call (default 100). */
  batchSize?: number;
  /**
   * On a single-writer store, finalize every streaming message at {@link LeaseSweeper.start}
   * (R31; default true).
   */
  orphansAtStart?: boolean;
}

/**
 * The crash sweep (R18, seed 002 — without its flaw of aborting other nodes' live streams): at
 * start and then periodically, finalizes `aborted` every streaming message whose writer lease has
 * expired, with a `message.finished` event each. A live writer renews its leases every third of
 * their length, so its messages, on this node or another, are never swept.
 *
 * On a store no other process writes (`capabilities.crossProcessNotify` false: the single-writer
 * SQLite file), the sweep at start finalizes every `streaming` message at once, whatever its lease
 * (R31): they were left by a previous process, and no live writer can hold them.
 */
export class LeaseSweeper {
  private readonly task: PeriodicTask<number>;
  private readonly batchSize: number;
  private readonly orphansAtStart: boolean;
  private startCount = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    options: SweeperOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.orphansAtStart = options.orphansAtStart ?? true;
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

  /**
   * Sweeps now — every streaming message on a single-writer store (R31), else the expired leases —
   * then every interval until {@link stop}.
   * @returns the number of messages finalized at start (also kept as {@link sweptAtStart}).
   */
  async start(): Promise<number> {
    const allOrphans = this.orphansAtStart && !this.store.capabilities.crossProcessNotify;
    this.startCount = allOrphans
      ? await this.task.runNow(() => this.sweepAll(ORPHANS_AFTER_RESTART))
      : await this.sweep();
    this.task.start();
    return this.startCount;
  }

  /** How many messages the sweep at {@link start} finalized (R18, R31; `threadline sweep` reports it). */
  get sweptAtStart(): number {
    return this.startCount;
  }

  /** Stops the periodic sweep and waits for a running one. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  private async sweepAll(scope?: SweepScope): Promise<number> {
    let total = 0;
    for (;;) {
      // Each finalized message reached the subscribers as its transaction committed (R10).
      const swept = await this.store.sweepExpiredLeases(this.clock.now(), this.batchSize, scope);
      total += swept.length;
      if (swept.length < this.batchSize) break;
    }
    if (total > 0) this.hub.emit("lifecycle:swept", { count: total });
    return total;
  }
}

/** What a restarted single-writer process finalizes at start: every streaming message (R31). */
const ORPHANS_AFTER_RESTART: SweepScope = {
  leaseExpiredBefore: Number.MAX_SAFE_INTEGER,
  errorText: RESTART_REASON,
  reason: RESTART_REASON,
};
