import { type Kysely, PostgresAdapter, sql } from "kysely";

/**
 * Migration 8: a count of message status changes on SQLite (issue 9), so that a writer tick can
 * skip the R15 guard read for messages it already found streaming.
 *
 * - `message_epoch` — one row, `n`, raised by one for every `messages` row whose `status` or
 *   `thread_id` is updated and for every `messages` row deleted, by the triggers below: whatever
 *   the statement, the connection or the process.
 *
 * A writer tick reads `n` and knows what its own terminal writes add to it; while `n` is what its
 * connection expects, no other statement finalized, moved or deleted a message since, and the
 * messages its earlier ticks found streaming still are (`../sqlite/thread-heads.ts`). Nothing on
 * PostgreSQL, where several nodes write and every tick keeps its guard read. Forward-only (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`create table message_epoch (n integer not null)`.execute(db);
  await sql`insert into message_epoch (n) values (0)`.execute(db);
  await sql`
    create trigger message_epoch_on_update after update of status, thread_id on messages
    begin update message_epoch set n = n + 1; end`.execute(db);
  await sql`
    create trigger message_epoch_on_delete after delete on messages
    begin update message_epoch set n = n + 1; end`.execute(db);
}
