import type { WorkspaceEvent } from "./event-log-store.js";
import type {
  HeartbeatOutcome,
  NodeIncarnation,
  NodeRecord,
  NodeTakeoverStep,
} from "./node-records.js";

/**
 * The nodes area of the `Store` (R31): each process registers its node and beats a heartbeat; a
 * node that stops beating is found stale and taken over by another, which finalizes its streaming
 * messages `aborted`; a process restarting under a node id finalizes what its previous incarnation
 * left; a leaving node removes its row. Every step is guarded by node id and incarnation, so an old
 * process never overwrites a newer one's row. Its shapes are in `node-records.ts`.
 *
 * @example
 * ```ts
 * async function beat(nodes: NodeStore, node: NodeIncarnation, now: number) {
 *   if ((await nodes.beatHeartbeat(node, now)) === "superseded") throw new Error("replaced");
 * }
 * ```
 */
export interface NodeStore {
  /**
   * Registers a starting process as its node (R31): upserts the node's row with this incarnation
   * and `started_at = heartbeat_at = now` (ms), replacing an earlier process's row of the same node
   * id (a takeover of that row in progress finishes first).
   * @returns the replaced row, undefined when the node id was not registered.
   */
  registerNode(node: NodeIncarnation, now: number): Promise<NodeRecord | undefined>;
  /**
   * Beats a node's heartbeat (R31), guarded by node id and incarnation: `alive`, or `rejoined`
   * (the row had been taken over: it is inserted again, what was taken over stays finalized), or
   * `superseded` (a newer incarnation owns the row: nothing is written).
   */
  beatHeartbeat(node: NodeIncarnation, now: number): Promise<HeartbeatOutcome>;
  /**
   * Up to `limit` nodes, other than `exceptNodeId`, whose heartbeat is older than `staleBefore`
   * (ms), oldest first (R31). A plain read: {@link takeOverNode} re-checks each under its guard.
   */
  findStaleNodes(staleBefore: number, exceptNodeId: string, limit: number): Promise<NodeRecord[]>;
  /**
   * One transaction of a takeover (R31): if the node's row (that incarnation) still has a
   * heartbeat older than `staleBefore` and no other node holds it (`FOR UPDATE SKIP LOCKED`),
   * finalizes `aborted` up to `limit` of its streaming messages (`lease_owner` = the node) with a
   * `message.finished` event each, and deletes the row once none is left streaming. A fresh
   * heartbeat, a new incarnation, a row already gone or held by another taker: undefined, nothing
   * changed.
   */
  takeOverNode(
    node: NodeIncarnation,
    staleBefore: number,
    now: number,
    limit: number,
  ): Promise<NodeTakeoverStep | undefined>;
  /**
   * Finalizes `aborted` up to `limit` streaming messages whose lease `nodeId` holds, with the
   * restart reason (R31): only for a process that took this node id and has opened no writer yet,
   * whose previous incarnation left them. Guarded by `status = 'streaming' AND lease_owner =
   * nodeId` on locked rows.
   */
  abortNodeOrphans(nodeId: string, now: number, limit: number): Promise<WorkspaceEvent[]>;
  /**
   * Deletes a leaving node's row (R31), guarded by its incarnation and by none of its messages
   * being left `streaming` (those are then taken over once the kept row goes stale).
   * @returns true when the row was deleted.
   */
  removeNode(node: NodeIncarnation): Promise<boolean>;
  /** Every node row, by node id (for operators: `threadline.nodes.list()`). */
  listNodes(): Promise<NodeRecord[]>;
}
