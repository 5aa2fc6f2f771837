import { type Kysely, sql } from "kysely";

/**
 * Migration 3: node heartbeats for fast orphan recovery on a shared database (R31).
 *
 * - `nodes` — one row per running Threadline node, keyed by its node id (the writer-lease owner of
 *   its messages, R18): `incarnation` (random per process start, so a node restarted under the same
 *   name is told from its previous process), `started_at` and `heartbeat_at` (ms since the epoch,
 *   the node's clock). A row whose heartbeat is older than the node timeout belongs to a dead node:
 *   another node finalizes its streaming messages and deletes the row (a takeover);
 * - `nodes_by_heartbeat` — finds stale nodes without scanning live ones;
 * - `messages_streaming_by_owner` — a partial index over the streaming messages of each lease
 *   owner: a takeover, a restart and the lease renewal look them up by owner.
 *
 * Written once for both dialects; SQLite (a single writer) gets the table but never writes it.
 * Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("nodes")
    .addColumn("node_id", "text", (c) => c.primaryKey())
    .addColumn("incarnation", "text", (c) => c.notNull())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("heartbeat_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("nodes_by_heartbeat").on("nodes").column("heartbeat_at").execute();
  await db.schema
    .createIndex("messages_streaming_by_owner")
    .on("messages")
    .column("lease_owner")
    .where(sql.ref("status"), "=", sql.lit("streaming"))
    .execute();
}
