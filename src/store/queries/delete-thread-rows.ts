import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { threadHeadsOf } from "../sqlite/thread-heads.js";
import type { ThreadRowsDeleted } from "../store.js";
import { threadKey } from "./append-events.js";
import { deleteEventsAt } from "./delete-events.js";

/**
 * Starts deleting a thread (R20), inside the caller's transaction: deletes its `threads` row and
 * its run triggers, and records it in `thread_deletions`. From the commit on, no write can reach
 * the thread — appends bump `head_seq` under the thread row and find none (`createMessage`:
 * `not_found`; a streaming write: its event is dropped and its writer gets `message_finalized`) —
 * and its id cannot be taken again until {@link deleteThreadRows} removed the rest.
 *
 * Guard, in the same statement as the delete: with `updatedBefore` (a retention purge, R25), the
 * thread's `updated_at` must still be older than it, so a thread written to since it was picked
 * (a stream racing the purge) is kept, whole.
 *
 * @returns false when no such thread was found (or the guard did not hold); nothing changed.
 */
export async function beginThreadDeletion(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  now: number,
  guard: { updatedBefore?: number } = {},
): Promise<boolean> {
  const result = await trx
    .deleteFrom("threads")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", threadId)
    .$if(guard.updatedBefore !== undefined, (qb) =>
      qb.where("updated_at", "<", guard.updatedBefore ?? 0),
    )
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) return false;
  // A streaming tick takes a cached head's thread to exist (append-events.ts).
  threadHeadsOf(trx)?.drop(threadKey(workspaceId, threadId));
  await trx
    .insertInto("thread_deletions")
    .values({ workspace_id: workspaceId, thread_id: threadId, started_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  // A pending trigger must not fire for a thread that is gone (R20, R22).
  await trx
    .deleteFrom("run_triggers")
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .execute();
  return true;
}

/**
 * Deletes one bounded batch of a thread being deleted (see {@link beginThreadDeletion}), inside the
 * caller's transaction, in this order: up to `maxRows` events (oldest seq first); once none is
 * left, the bodies and rows of up to `maxRows / 2` messages; once none is left, the thread's
 * `thread_deletions` row (`done`). So a huge thread never holds a long transaction, and a deletion
 * interrupted anywhere is finished by calling this again.
 */
export async function deleteThreadRows(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  maxRows: number,
): Promise<ThreadRowsDeleted> {
  // Counted from the seqs read (see deleteEventsAt).
  const seqs = (
    await trx
      .selectFrom("events")
      .select("seq")
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .orderBy("seq")
      .limit(maxRows)
      .execute()
  ).map((row) => Number(row.seq));
  if (seqs.length > 0) {
    await deleteEventsAt(trx, workspaceId, threadId, seqs);
    return { events: seqs.length, bodies: 0, messages: 0, done: false };
  }

  const ids = (
    await trx
      .selectFrom("messages")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .orderBy("created_seq")
      .limit(Math.max(1, Math.floor(maxRows / 2)))
      .execute()
  ).map((row) => row.id);
  if (ids.length > 0) {
    const bodies = await trx
      .deleteFrom("message_bodies")
      .where("workspace_id", "=", workspaceId)
      .where("message_id", "in", ids)
      .executeTakeFirst();
    const messages = await trx
      .deleteFrom("messages")
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .where("id", "in", ids)
      .executeTakeFirst();
    return {
      events: 0,
      bodies: Number(bodies.numDeletedRows),
      messages: Number(messages.numDeletedRows),
      done: false,
    };
  }

  await trx
    .deleteFrom("thread_deletions")
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .execute();
  return { events: 0, bodies: 0, messages: 0, done: true };
}

/** True while a thread of this id is being deleted (its `thread_deletions` row exists). */
export async function isBeingDeleted(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("thread_deletions")
    .select("thread_id")
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Up to `limit` threads whose deletion started but did not finish, oldest first. */
export async function listThreadDeletions(
  db: Kysely<Database>,
  limit: number,
): Promise<{ workspaceId: string; threadId: string; startedAt: number }[]> {
  const rows = await db
    .selectFrom("thread_deletions")
    .selectAll()
    .orderBy("started_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    workspaceId: r.workspace_id,
    threadId: r.thread_id,
    startedAt: Number(r.started_at),
  }));
}
