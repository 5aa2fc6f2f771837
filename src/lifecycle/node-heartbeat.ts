import { type Clock, randomId } from "../clock.js";
import { ThreadlineError } from "../errors.js";
import type { EventHub } from "../observe.js";
import type { HeartbeatOutcome, NodeIncarnation, NodeRecord } from "../store/node-records.js";
import type { Store, WorkspaceEvent } from "../store/store.js";
import { PeriodicTask } from "./periodic-task.js";
import { DatabaseReachability } from "./reachability.js";

/** Default time between two heartbeats of a node, in ms (R31). */
export const DEFAULT_HEARTBEAT_MS = 2_000;
/**
 * Default age in ms past which a node's heartbeat means the node is dead (R31). With the default
 * heartbeat a dead node's messages are finalized at most 8 s + 2 s after its last beat: ≤ 10 s.
 */
export const DEFAULT_NODE_TIMEOUT_MS = 8_000;

/** Node heartbeat settings of `createThreadline` (R31; used on PostgreSQL only). */
export interface NodeHeartbeatOptions {
  /** Time between two heartbeats of this node, in ms (default 2 000). */
  heartbeatMs?: number;
  /**
   * A node whose heartbeat is older than this, in ms, is dead: another node finalizes its streaming
   * messages `aborted` (default 8 000; must be longer than `heartbeatMs`, best several times it).
   * Nodes compare their own clocks: keep them in sync (NTP) to well under this.
   */
  nodeTimeoutMs?: number;
}

/** {@link NodeHeartbeatOptions} with defaults applied and checked. */
export interface NodeTiming {
  heartbeatMs: number;
  nodeTimeoutMs: number;
}

/** A dead node this node took over (R31): its id, messages finalized, and how long it was silent. */
export interface NodeTakeover {
  nodeId: string;
  /** Streaming messages finalized `aborted` (0 for a node that died idle). */
  finalized: number;
  /** This node's clock minus the dead node's last heartbeat, in ms. */
  silentMs: number;
}

/**
 * Applies the defaults of {@link NodeHeartbeatOptions} and checks them (R31).
 * @throws ThreadlineError `bad_request` naming the field (`details.field`): `heartbeatMs` or
 *   `nodeTimeoutMs` not a positive integer, or `nodeTimeoutMs` not longer than `heartbeatMs` (a
 *   live node would be declared dead between two of its beats).
 * @example
 * ```ts
 * resolveNodeTiming({}); // { heartbeatMs: 2_000, nodeTimeoutMs: 8_000 }
 * resolveNodeTiming({ heartbeatMs: 500, nodeTimeoutMs: 2_000 });
 * ```
 */
export function resolveNodeTiming(options: NodeHeartbeatOptions): NodeTiming {
  const heartbeatMs = positiveMs("heartbeatMs", options.heartbeatMs, DEFAULT_HEARTBEAT_MS);
  const nodeTimeoutMs = positiveMs("nodeTimeoutMs", options.nodeTimeoutMs, DEFAULT_NODE_TIMEOUT_MS);
  if (nodeTimeoutMs <= heartbeatMs) {
    throw new ThreadlineError(
      "bad_request",
      `nodeTimeoutMs (${nodeTimeoutMs}) must be longer than heartbeatMs (${heartbeatMs}): a live node beats once per heartbeatMs`,
      { details: { field: "nodeTimeoutMs" } },
    );
  }
  return { heartbeatMs, nodeTimeoutMs };
}

function positiveMs(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ThreadlineError(
      "bad_request",
      `${field} must be a positive integer number of ms, got ${JSON.stringify(value) ?? String(value)}`,
      { details: { field } },
    );
  }
  return value;
}

/**
 * Node heartbeats and takeover (R31, issue 7 item 2) on a database several nodes share
 * (`capabilities.crossProcessNotify`: PostgreSQL). On a single-writer store (SQLite) it does
 * nothing: there the crash sweep finalizes every orphan at start (see `LeaseSweeper`).
 *
 * - {@link start}: registers this process as its node (a new incarnation), finalizes at once the
 *   streaming messages a previous process of the same node id left (it has no writer yet, so they
 *   are orphans), and takes over nodes already dead; then every `heartbeatMs`:
 * - beats this node's heartbeat, then takes over each other node whose heartbeat is older than
 *   `nodeTimeoutMs`: its streaming messages are finalized `aborted` with `NODE_LOST_REASON` and a
 *   `message.finished` event each, and its row is deleted. The store's guards make this safe:
 *   only a node still stale inside the takeover's transaction is taken over (never a live node's
 *   message, R18), by one node at a time (`FOR UPDATE SKIP LOCKED`); a late heartbeat after a
 *   takeover rejoins without bringing anything back;
 * - {@link leave} (graceful shutdown, after the writers ended their messages): deletes the row.
 *
 * A dead node's messages are thus finalized within `nodeTimeoutMs + heartbeatMs` of its last
 * beat (default ≤ 10 s), well before their leases expire (R18, 30 s by default). An outage of the
 * database does not count towards a heartbeat's age (see {@link DatabaseReachability}, fed by the
 * beats): after one longer than `nodeTimeoutMs`, the first node back takes over only the nodes
 * that were dead before it, or that still have not beaten `nodeTimeoutMs` after it ended — never
 * the live nodes that had no way to beat meanwhile.
 *
 * Emits `lifecycle:node-lost`, `lifecycle:node-restarted`, `lifecycle:heartbeat-lost` and, on a
 * failed beat, `lifecycle:error` (`task: "heartbeat"`).
 */
export class NodeHeartbeat {
  /** This process: its node id and random incarnation. */
  readonly node: NodeIncarnation;
  private readonly task: PeriodicTask<NodeTakeover[]>;
  private readonly enabled: boolean;
  private readonly batchSize: number;
  private readonly reachability: DatabaseReachability;
  private startCount = 0;
  private lastBeatAt = Number.NEGATIVE_INFINITY;
  private lastOutcome: HeartbeatOutcome = "alive";

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly hub: EventHub,
    nodeId: string,
    private readonly timing: NodeTiming,
    options: {
      batchSize?: number;
      /** What this node saw of the database's availability (default its own, fed by the beats). */
      reachability?: DatabaseReachability;
    } = {},
  ) {
    this.enabled = store.capabilities.crossProcessNotify;
    this.node = { nodeId, incarnation: randomId() };
    this.batchSize = options.batchSize ?? 100;
    this.reachability = options.reachability ?? new DatabaseReachability();
    this.task = new PeriodicTask(
      clock,
      timing.heartbeatMs,
      () => this.beatAndTakeOver(),
      (error) => hub.emit("lifecycle:error", { task: "heartbeat", error }),
    );
  }

  /**
   * Registers this node, finalizes its previous incarnation's streaming messages and takes over
   * nodes already dead, then beats every `heartbeatMs` until {@link stop}. Call before any writer
   * of this process opens. A no-op on a single-writer store.
   * @returns how many messages it finalized (also kept as {@link finalizedAtStart}).
   */
  async start(): Promise<number> {
    if (!this.enabled) return 0;
    const previous = await this.store.registerNode(this.node, this.clock.now());
    this.lastBeatAt = this.clock.now();
    const restarted = await this.inBatches(() =>
      this.store.abortNodeOrphans(this.node.nodeId, this.clock.now(), this.batchSize),
    );
    if (previous || restarted > 0) {
      this.hub.emit("lifecycle:node-restarted", {
        nodeId: this.node.nodeId,
        count: restarted,
        previousHeartbeatAt: previous?.heartbeatAt ?? null,
      });
    }
    const takeovers = await this.task.runNow(() => this.takeOverDeadNodes());
    this.startCount = restarted + takeovers.reduce((sum, t) => sum + t.finalized, 0);
    this.task.start();
    return this.startCount;
  }

  /** How many messages {@link start} finalized: the previous incarnation's, and dead nodes'. */
  get finalizedAtStart(): number {
    return this.startCount;
  }

  /**
   * Beats now and takes over every dead node (after a beat already running); on a single-writer
   * store, nothing.
   * @returns the takeovers this check made.
   */
  check(): Promise<NodeTakeover[]> {
    return this.enabled ? this.task.runNow() : Promise.resolve([]);
  }

  /** Resolves once no beat or takeover is running (tests driving a fake clock wait on it). */
  idle(): Promise<void> {
    return this.task.idle();
  }

  /** Stops beating and waits for a beat in progress. The row stays until {@link leave}. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /**
   * Deletes this node's row (graceful shutdown, after {@link stop} and after the writers ended
   * their messages). Guarded: kept when one of this node's messages is still streaming, so another
   * node takes it over once the heartbeat goes stale. Never rejects: a failure is emitted as
   * `lifecycle:error`.
   * @returns true when the row was deleted.
   */
  async leave(): Promise<boolean> {
    if (!this.enabled) return false;
    try {
      return await this.store.removeNode(this.node);
    } catch (error) {
      this.hub.emit("lifecycle:error", { task: "heartbeat", error });
      return false;
    }
  }

  private async beatAndTakeOver(): Promise<NodeTakeover[]> {
    await this.beat();
    if (this.lastOutcome === "superseded") return []; // another process acts under this node id
    return this.takeOverDeadNodes();
  }

  private async beat(): Promise<void> {
    const now = this.clock.now();
    const outcome = await this.reachability.observe(now, () =>
      this.store.beatHeartbeat(this.node, now),
    );
    this.lastBeatAt = now;
    if (outcome !== "alive" && outcome !== this.lastOutcome) {
      this.hub.emit("lifecycle:heartbeat-lost", { nodeId: this.node.nodeId, outcome });
    }
    // After `rejoined` the row is this incarnation's again: the next beat is `alive`.
    this.lastOutcome = outcome === "rejoined" ? "alive" : outcome;
  }

  private async takeOverDeadNodes(): Promise<NodeTakeover[]> {
    const now = this.clock.now();
    const timeoutMs = this.timing.nodeTimeoutMs;
    const staleBefore = this.reachability.effectiveNow(now, timeoutMs) - timeoutMs;
    const stale = await this.store.findStaleNodes(staleBefore, this.node.nodeId, this.batchSize);
    const takeovers: NodeTakeover[] = [];
    for (const dead of stale) {
      const finalized = await this.takeOver(dead, staleBefore);
      if (finalized === undefined) continue; // it beat in time, or another node took it over
      const takeover = { nodeId: dead.nodeId, finalized, silentMs: now - dead.heartbeatAt };
      takeovers.push(takeover);
      this.hub.emit("lifecycle:node-lost", {
        nodeId: takeover.nodeId,
        count: takeover.finalized,
        silentMs: takeover.silentMs,
      });
    }
    return takeovers;
  }

  /** Takes one dead node over in guarded steps; undefined when the first step's guard failed. */
  private async takeOver(dead: NodeRecord, staleBefore: number): Promise<number | undefined> {
    let total: number | undefined;
    for (;;) {
      // A long takeover must not let this node's own heartbeat go stale.
      if (this.clock.now() - this.lastBeatAt >= this.timing.heartbeatMs) await this.beat();
      const step = await this.store.takeOverNode(
        dead,
        staleBefore,
        this.clock.now(),
        this.batchSize,
      );
      if (!step) return total;
      total = (total ?? 0) + step.finalized.length;
      if (step.removed || step.finalized.length === 0) return total;
    }
  }

  private async inBatches(batch: () => Promise<WorkspaceEvent[]>): Promise<number> {
    let total = 0;
    for (;;) {
      const finalized = await batch();
      total += finalized.length;
      if (finalized.length < this.batchSize) return total;
    }
  }
}
