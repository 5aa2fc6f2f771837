import type { Kysely } from "kysely";
import type { NodeRecord } from "../node-records.js";
import type { Database, NodeRow } from "../schema.js";

/**
 * Nodes whose heartbeat is older than `staleBefore` (ms), oldest first, except `exceptNodeId` (the
 * caller: a node never takes itself over), at most `limit` (R31). A plain read: each one found is
 * taken over only if {@link takeOverNode}'s guard still holds.
 */
export async function findStaleNodes(
  db: Kysely<Database>,
  staleBefore: number,
  exceptNodeId: string,
  limit: number,
): Promise<NodeRecord[]> {
  const rows = await db
    .selectFrom("nodes")
    .selectAll()
    .where("heartbeat_at", "<", staleBefore)
    .where("node_id", "<>", exceptNodeId)
    .orderBy("heartbeat_at")
    .limit(limit)
    .execute();
  return rows.map(toNodeRecord);
}

/** Every node row, by node id (for operators and tests). */
export async function listNodes(db: Kysely<Database>): Promise<NodeRecord[]> {
  const rows = await db.selectFrom("nodes").selectAll().orderBy("node_id").execute();
  return rows.map(toNodeRecord);
}

/** Maps a `nodes` row. */
export function toNodeRecord(row: NodeRow): NodeRecord {
  return {
    nodeId: row.node_id,
    incarnation: row.incarnation,
    startedAt: Number(row.started_at),
    heartbeatAt: Number(row.heartbeat_at),
  };
}
