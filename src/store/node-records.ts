/**
 * Storage-side shapes of node heartbeats (R31): the rows of the `nodes` table as the {@link Store}
 * reads and writes them, and what a heartbeat or a takeover returns.
 */
import type { WorkspaceEvent } from "./store.js";

/**
 * One process of a node: its node id (the owner of its writer leases, R18) and the incarnation
 * (random per process start) that tells it from an earlier process of the same name.
 */
export interface NodeIncarnation {
  nodeId: string;
  incarnation: string;
}

/** A row of the `nodes` table: a node, when its process started and last beat (ms). */
export interface NodeRecord extends NodeIncarnation {
  startedAt: number;
  heartbeatAt: number;
}

/**
 * What a heartbeat found (R31):
 * - `alive` — this incarnation's row was there and now carries the new heartbeat;
 * - `rejoined` — the row was gone: another node declared this one dead and took over its streaming
 *   messages (they stay finalized); the row is back, so the node's new messages are protected again;
 * - `superseded` — the row belongs to another incarnation: a newer process runs under the same node
 *   id (it finalized this one's streaming messages at its start). Nothing was written.
 */
export type HeartbeatOutcome = "alive" | "rejoined" | "superseded";

/**
 * One guarded step of a takeover (R31): the messages it finalized `aborted` (with their
 * `message.finished` events) and whether the dead node's row was deleted, which happens once none
 * of its messages is left streaming.
 */
export interface NodeTakeoverStep {
  finalized: WorkspaceEvent[];
  removed: boolean;
}
