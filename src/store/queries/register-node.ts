import type { Kysely } from "kysely";
import type { NodeIncarnation, NodeRecord } from "../node-records.js";
import type { Database } from "../schema.js";
import { toNodeRecord } from "./read-nodes.js";

/**
 * Registers a starting process as node `node.nodeId` (R31): upserts its row with the new
 * incarnation, `started_at = heartbeat_at = now`, replacing the row of an earlier process of the
 * same node id, and returns that row (undefined when there was none). With `lockRow` (PostgreSQL)
 * the earlier row is locked first, so a takeover of it in progress on another node finishes
 * before (its row is then gone), or starts after and finds a fresh heartbeat and another
 * incarnation, and changes nothing.
 */
export async function registerNode(
  trx: Kysely<Database>,
  node: NodeIncarnation,
  now: number,
  options: { lockRow: boolean },
): Promise<NodeRecord | undefined> {
  const previous = await trx
    .selectFrom("nodes")
    .selectAll()
    .where("node_id", "=", node.nodeId)
    .$if(options.lockRow, (qb) => qb.forUpdate())
    .executeTakeFirst();
  await trx
    .insertInto("nodes")
    .values({
      node_id: node.nodeId,
      incarnation: node.incarnation,
      started_at: now,
      heartbeat_at: now,
    })
    .onConflict((oc) =>
      oc.column("node_id").doUpdateSet({
        incarnation: node.incarnation,
        started_at: now,
        heartbeat_at: now,
      }),
    )
    .execute();
  return previous ? toNodeRecord(previous) : undefined;
}
