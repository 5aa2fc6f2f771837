import type { Kysely } from "kysely";
import type { HeartbeatOutcome, NodeIncarnation } from "../node-records.js";
import type { Database } from "../schema.js";

/**
 * Beats a node's heartbeat (R31): sets `heartbeat_at = now` on its row, guarded by node id and
 * incarnation (`UPDATE nodes … WHERE node_id = $id AND incarnation = $incarnation`).
 *
 * When that matches nothing, the row was either taken over (deleted by another node that found the
 * heartbeat stale) or replaced by a newer process of the same node id. It is then inserted again
 * only if no row exists (`INSERT … ON CONFLICT (node_id) DO NOTHING`): a late heartbeat after a
 * takeover makes the node known again (`rejoined`) but never brings back what was taken over —
 * those messages stay finalized (R15) — and never displaces a newer incarnation (`superseded`).
 */
export async function beatHeartbeat(
  db: Kysely<Database>,
  node: NodeIncarnation,
  now: number,
): Promise<HeartbeatOutcome> {
  const beat = await db
    .updateTable("nodes")
    .set({ heartbeat_at: now })
    .where("node_id", "=", node.nodeId)
    .where("incarnation", "=", node.incarnation)
    .executeTakeFirst();
  if (Number(beat.numUpdatedRows) > 0) return "alive";
  const inserted = await db
    .insertInto("nodes")
    .values({
      node_id: node.nodeId,
      incarnation: node.incarnation,
      started_at: now,
      heartbeat_at: now,
    })
    .onConflict((oc) => oc.column("node_id").doNothing())
    .returning("node_id")
    .executeTakeFirst();
  return inserted ? "rejoined" : "superseded";
}
