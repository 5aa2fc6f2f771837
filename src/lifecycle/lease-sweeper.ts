import type { Clock } from "../clock.js";
import type { EventHub } from "../observe.js";
import { RESTART_REASON } from "../protocol/events.js";
import type { Store, SweepScope } from "../store/store.js";
import { DEFAULT_LEASE_TTL_MS } from "../writer/coalescing-writer.js";
import { PeriodicTask } from "./periodic-task.js";
import { DatabaseReachability } from "./reachability.js";

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
  /**
   * This process's node id: the leases it owns are never swept after start, since it renews them
   * itself (R18, the writer's `LeaseRenewer`), even when an outage let them expire.
   */
  nodeId?: string;
  /** The writers' lease length in ms (default 30 000): how long after an outage it still counts. */
  leaseTtlMs?: number;
  /**
   * What this node saw of the database's availability (default its own, fed by the sweeps alone):
   * a lease that expired while the database was out of reach is swept only once every live writer
   * had a lease's length to renew it.
   */
  reachability?: DatabaseReachability;
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
 *
 * After start a sweep never takes this node's own leases (`nodeId`): they are its live writers'.
 * And an outage of the database does not count towards a lease (see {@link DatabaseReachability}):
 * a lease that expired because no writer could renew it is swept only if its writer has still not
 * renewed it a lease's length after the database came back — so an outage longer than a lease
 * neither aborts this node's streams, whose buffered changes are written once the database is
 * back (R6, R30), nor, on PostgreSQL, another node's.
 */
export class LeaseSweeper {
  private readonly task: PeriodicTask<number>;
  private readonly batchSize: number;
  private readonly orphansAtStart: boolean;
  private readonly nodeId: string | undefined;
  private readonly leaseTtlMs: number;
  private readonly reachability: DatabaseReachability;
  private startCount = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    options: SweeperOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.orphansAtStart = options.orphansAtStart ?? true;
    this.nodeId = options.nodeId;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.reachability = options.reachability ?? new DatabaseReachability();
    this.task = new PeriodicTask(
      clock,
      options.intervalMs ?? 10_000,
      () => this.sweepAll(this.liveScope()),
      (error) => hub.emit("lifecycle:error", { task: "sweep", error }),
    );
  }

  /**
   * Sweeps once now (after a sweep already running), as the periodic sweep does: leases expired
   * in time the database answered, other nodes' only.
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
    // Nothing is this process's yet: the leases of its node id are a previous process's (R31).
    this.startCount = await this.task.runNow(() =>
      this.sweepAll(allOrphans ? ORPHANS_AFTER_RESTART : {}),
    );
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

  /** The scope of a sweep after start: what expired in time the database answered, not ours. */
  private liveScope(): SweepScope {
    return {
      leaseExpiredBefore: this.reachability.effectiveNow(this.clock.now(), this.leaseTtlMs),
      ...(this.nodeId === undefined ? {} : { exceptOwner: this.nodeId }),
    };
  }

  private async sweepAll(scope: SweepScope): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      // Each finalized message reached the subscribers as its transaction committed (R10).
      const swept = await this.reachability.observe(now, () =>
        this.store.sweepExpiredLeases(now, this.batchSize, scope),
      );
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
