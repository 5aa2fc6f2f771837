import { type Kysely, PostgresAdapter } from "kysely";

/**
 * Migration 5: compacted events stored deflated (R32, issue 8 item 3).
 *
 * - `events.payload_deflated` — the event's payload JSON compressed with raw DEFLATE (`bytea` on
 *   PostgreSQL, `blob` on SQLite), set by log compaction on the event that holds a compacted
 *   message's final parts (its `message.finished`, or the `message.created` of a message appended
 *   complete) when that makes it smaller; `payload` is then the empty string. Null on every other
 *   row, whose `payload` is the JSON as written.
 *
 * Written once for both dialects. Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .alterTable("events")
    .addColumn("payload_deflated", postgres ? "bytea" : "blob")
    .execute();
}
