import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Deletes the events at `seqs` of one thread's log, inside the caller's transaction (compaction,
 * R32; thread deletion, R20). Callers count what they delete from the seqs they read: on SQLite
 * `events` is a view whose triggers delete the rows (migration 7), and SQLite counts no changes
 * made through them. At most 10 000 seqs (they are one `IN` list, under SQLite's bound-parameter
 * limit).
 */
export async function deleteEventsAt(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  seqs: readonly number[],
): Promise<void> {
  if (seqs.length === 0) return;
  await trx
    .deleteFrom("events")
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .where("seq", "in", seqs)
    .execute();
}
