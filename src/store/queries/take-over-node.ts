import type { Kysely } from "kysely";
import { NODE_LOST_REASON } from "../../protocol/events.js";
import type { NodeIncarnation, NodeTakeoverStep } from "../node-records.js";
import type { Database } from "../schema.js";
import { abortNodeOrphans } from "./abort-node-orphans.js";
import { removeNode } from "./remove-node.js";

/**
 * One step of taking over a dead node (R31), inside the caller's transaction:
 *
 * 1. Hold the dead node's row, guarded by its heartbeat still being stale:
 *    `SELECT … FROM nodes WHERE node_id = $id AND incarnation = $incarnation AND heartbeat_at <
 *    $staleBefore FOR UPDATE SKIP LOCKED` (the lock where the backend has one, `skipLocked`).
 *    No row means the race is lost and nothing changes: the node beat in time (a fresh heartbeat),
 *    restarted under a new incarnation, was already taken over, or another node is taking it over
 *    right now (its lock is skipped: one takeover per dead node). While the row is held, the dead
 *    node's own heartbeat waits, and finds the row gone after the commit.
 * 2. Finalize `aborted` up to `limit` of its streaming messages (`status = 'streaming' AND
 *    lease_owner = $id`, rows locked; see {@link abortNodeOrphans}) with {@link NODE_LOST_REASON}.
 *    A live node's message is never touched: its row is fresh, so step 1 finds nothing.
 * 3. Delete its row once none of its messages is left streaming ({@link removeNode}).
 *
 * @returns the step's finalized messages and whether the row was deleted (when not, call again:
 *   each step re-checks the guard), or undefined when the guard did not hold.
 */
export async function takeOverNode(
  trx: Kysely<Database>,
  dead: NodeIncarnation,
  staleBefore: number,
  now: number,
  options: { limit: number; skipLocked: boolean },
): Promise<NodeTakeoverStep | undefined> {
  const held = await trx
    .selectFrom("nodes")
    .select("node_id")
    .where("node_id", "=", dead.nodeId)
    .where("incarnation", "=", dead.incarnation)
    .where("heartbeat_at", "<", staleBefore)
    .$if(options.skipLocked, (qb) => qb.forUpdate().skipLocked())
    .executeTakeFirst();
  if (!held) return undefined;
  const finalized = await abortNodeOrphans(trx, dead.nodeId, now, {
    limit: options.limit,
    lockRows: options.skipLocked,
    errorText: NODE_LOST_REASON,
    reason: NODE_LOST_REASON,
  });
  const removed = await removeNode(trx, dead);
  return { finalized, removed };
}
