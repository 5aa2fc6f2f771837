import { type Kysely, sql } from "kysely";

/**
 * Migration 2: what the inbound subsystem needs beyond the tables of migration 1 (R21–R25).
 *
 * - `run_triggers.force_fresh` — the sticky flag of a debounce window (R22), apart from the options
 *   JSON so re-arming can OR it in one portable statement;
 * - `run_triggers.attempts`, `last_error` — delivery retries with backoff (R24);
 * - `run_triggers.armed_by` — the node that last armed a pending trigger: its graceful shutdown
 *   fires it at once (R23);
 * - `run_triggers.finished_at` — when a trigger reached a final state, for retention (R25);
 * - a partial unique index: at most one `pending` trigger per thread, the row a burst re-arms (R22);
 * - indexes for the retention purge of claims and finished triggers (R25).
 *
 * Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("run_triggers")
    .addColumn("force_fresh", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("run_triggers")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("run_triggers").addColumn("last_error", "text").execute();
  await db.schema.alterTable("run_triggers").addColumn("armed_by", "text").execute();
  await db.schema.alterTable("run_triggers").addColumn("finished_at", "bigint").execute();

  await db.schema
    .createIndex("run_triggers_one_pending")
    .on("run_triggers")
    .columns(["workspace_id", "thread_id"])
    .unique()
    .where(sql.ref("status"), "=", sql.lit("pending"))
    .execute();
  await db.schema
    .createIndex("run_triggers_by_finished")
    .on("run_triggers")
    .columns(["status", "finished_at"])
    .execute();
  await db.schema
    .createIndex("inbound_claims_by_processed")
    .on("inbound_claims")
    .columns(["status", "processed_at"])
    .execute();
}
