import type { Kysely } from "kysely";
import { deflatePayload } from "../event-payload.js";
import { type Database, PARTS_IN_LOG } from "../schema.js";
import type { CompactionStep } from "../store.js";
import { deleteEventsAt } from "./delete-events.js";

/**
 * One bounded step of log compaction (R32), inside the caller's transaction, on one thread:
 *
 * 1. Picks the thread of the message that finished first among those finished before
 *    `finishedBefore` (ms; now minus the resume horizon) whose deltas were not compacted yet
 *    (`compacted_at IS NULL`, index `messages_to_compact`), then up to `maxRows` such messages of
 *    that thread, oldest first. With `skipLocked` (PostgreSQL) the rows are locked `FOR UPDATE SKIP
 *    LOCKED`, so nodes compacting at once share the work instead of repeating it.
 * 2. Deletes up to `maxRows` of their `message.delta` events, lowest seq first. Only a finished
 *    message's deltas ever go: its `message.finished` event holds its final message (as did its
 *    body row, every terminal write rewrites it), and its `message.created` / `message.finished`
 *    events stay, so reads, snapshots and the log's fold still rebuild it exactly; a streaming
 *    message is never touched, so `GET …/stream` is unaffected.
 * 3. Marks `compacted_at = now` on each message none of whose deltas is left, and hands its final
 *    parts to the log (`handBodiesToLog`): its body's `parts` becomes {@link PARTS_IN_LOG} (and
 *    `metadata` null) when the event at the body's seq is its `message.finished` (or the
 *    `message.created` of a message appended complete), which holds the same final message and is
 *    stored deflated from then on, so the final text is stored once, compressed. Then raises the
 *    thread's `compacted_seq` to the highest seq deleted (never lowers it, never touches
 *    `updated_at`: compaction is not an update of the thread for retention, R25).
 *
 * Finished messages never take another delta (R15), so nothing can race the delete but another
 * compaction or the thread's deletion (a thread whose deletion began is skipped). The deltas of a
 * message deleted before it was compacted are not found here (its row is gone): they stay until
 * their thread is deleted. @returns the step, or undefined when no finished message is waiting.
 */
export async function compactDeltas(
  trx: Kysely<Database>,
  finishedBefore: number,
  now: number,
  options: { maxRows: number; skipLocked: boolean },
): Promise<CompactionStep | undefined> {
  const first = await trx
    .selectFrom("messages as m")
    .select(["m.workspace_id", "m.thread_id"])
    .where("m.compacted_at", "is", null)
    .where("m.finished_at", "<", finishedBefore)
    // A thread being deleted (its row gone) loses all its rows anyway: leave it to the deletion.
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("threads as t")
          .select("t.id")
          .whereRef("t.workspace_id", "=", "m.workspace_id")
          .whereRef("t.id", "=", "m.thread_id"),
      ),
    )
    .orderBy("m.finished_at")
    .limit(1)
    .$if(options.skipLocked, (qb) => qb.forUpdate().skipLocked())
    .executeTakeFirst();
  if (!first) return undefined;
  const { workspace_id: workspaceId, thread_id: threadId } = first;
  const waiting = await trx
    .selectFrom("messages as m")
    .innerJoin("message_bodies as b", (join) =>
      join.onRef("b.workspace_id", "=", "m.workspace_id").onRef("b.message_id", "=", "m.id"),
    )
    .select(["m.id", "m.created_seq", "b.seq as finished_seq"])
    .where("m.workspace_id", "=", workspaceId)
    .where("m.thread_id", "=", threadId)
    .where("m.compacted_at", "is", null)
    .where("m.finished_at", "<", finishedBefore)
    .orderBy("m.created_seq")
    .limit(options.maxRows)
    .$if(options.skipLocked, (qb) => qb.forUpdate("m").skipLocked())
    .execute();
  if (waiting.length === 0) return { workspaceId, threadId, rows: 0, messages: 0, highestSeq: 0 };

  const lowSeq = Math.min(...waiting.map((m) => Number(m.created_seq)));
  const highSeq = Math.max(...waiting.map((m) => Number(m.finished_seq)));
  const seqs = (
    await trx
      .selectFrom("events")
      .select("seq")
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .where("seq", ">", lowSeq)
      .where("seq", "<", highSeq)
      .where("type", "=", "message.delta")
      .where(
        "message_id",
        "in",
        waiting.map((m) => m.id),
      )
      .orderBy("seq")
      .limit(options.maxRows)
      .execute()
  ).map((row) => Number(row.seq));
  await deleteEventsAt(trx, workspaceId, threadId, seqs);
  const highestSeq = seqs.at(-1) ?? 0;
  // Every delta of the set at or below highestSeq is gone; a message's deltas all lie below its
  // finished event's seq, so one whose finished seq is past highestSeq + 1 may have some left.
  const complete = seqs.length < options.maxRows;
  const done = waiting
    .filter((m) => complete || Number(m.finished_seq) - 1 <= highestSeq)
    .map((m) => m.id);
  if (done.length > 0) {
    await trx
      .updateTable("messages")
      .set({ compacted_at: now })
      .where("workspace_id", "=", workspaceId)
      .where("id", "in", done)
      .execute();
    await handBodiesToLog(
      trx,
      workspaceId,
      threadId,
      waiting.filter((m) => done.includes(m.id)).map((m) => Number(m.finished_seq)),
    );
  }
  if (highestSeq > 0) {
    await trx
      .updateTable("threads")
      .set({ compacted_seq: highestSeq })
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", threadId)
      .where("compacted_seq", "<", highestSeq)
      .execute();
  }
  return { workspaceId, threadId, rows: seqs.length, messages: done.length, highestSeq };
}

/**
 * Stores the final parts of compacted messages once, compressed (issue 8 item 3): the events at
 * `bodySeqs` (each message's body seq) that hold a final message — its `message.finished`, or the
 * `message.created` of a message appended complete — get their payload deflated (when that
 * shrinks it), and those messages' bodies give their parts and metadata to the log
 * ({@link PARTS_IN_LOG}). A body whose seq holds no such event (none is known to exist) is kept.
 */
async function handBodiesToLog(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  bodySeqs: readonly number[],
): Promise<void> {
  if (bodySeqs.length === 0) return;
  const holders = await trx
    .selectFrom("events")
    .select(["seq", "message_id", "payload", "payload_deflated"])
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .where("seq", "in", bodySeqs)
    .where("type", "in", ["message.finished", "message.created"])
    .execute();
  for (const event of holders) {
    const deflated = event.payload_deflated ? undefined : deflatePayload(event.payload);
    if (!deflated) continue;
    await trx
      .updateTable("events")
      .set({ payload: "", payload_deflated: deflated })
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .where("seq", "=", event.seq)
      .execute();
  }
  const messageIds = holders.flatMap((e) => (e.message_id === null ? [] : [e.message_id]));
  if (messageIds.length === 0) return;
  await trx
    .updateTable("message_bodies")
    .set({ parts: PARTS_IN_LOG, metadata: null })
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "in", messageIds)
    .where("seq", "in", bodySeqs)
    .execute();
}
