import { type Kysely, sql } from "kysely";

/**
 * Migration 4: log compaction (R32) and thread retention (R25, issue 8).
 *
 * - `threads.compacted_seq` — the highest seq of this thread's log whose event compaction removed
 *   (0: nothing removed). A resume `after = N` with `N < compacted_seq` lands in a compacted range:
 *   some event in `(N, head]` is gone, and the subscription answers with a fresh snapshot (R11, R32);
 *   with `N >= compacted_seq` the log from `N + 1` is whole.
 * - `messages.compacted_at` — when compaction removed the last `message.delta` event of this
 *   finished message (ms; null until then). `messages_to_compact` indexes the finished messages
 *   still waiting, by `finished_at`, so a compaction run never rescans compacted history.
 * - `threads_by_updated` — finds threads whose last update is older than a retention cutoff.
 * - `thread_deletions` — one row per thread being deleted in bounded batches: inserted in the
 *   transaction that deletes the thread row (from then on no write can reach the thread, and its id
 *   cannot be taken again), deleted with the last of its rows. A row left by a crash is finished by
 *   the next purge run.
 *
 * Written once for both dialects. Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("threads")
    .addColumn("compacted_seq", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("messages").addColumn("compacted_at", "bigint").execute();
  await db.schema
    .createIndex("messages_to_compact")
    .on("messages")
    .column("finished_at")
    .where(sql.ref("compacted_at"), "is", null)
    .execute();
  await db.schema.createIndex("threads_by_updated").on("threads").column("updated_at").execute();
  await db.schema
    .createTable("thread_deletions")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("thread_deletions_pk", ["workspace_id", "thread_id"])
    .execute();
}
