import { type Kysely, sql } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import { toJson, toStoredMessage } from "../mappers.js";
import type { Database, MessageRow } from "../schema.js";
import type { MessageWrite, WriteOutcome } from "../store.js";
import { appendEvents, type PendingEvent, threadKey, VALUES_BATCH_ROWS } from "./append-events.js";

const MESSAGE_COLUMNS = [
  "workspace_id",
  "id",
  "thread_id",
  "role",
  "status",
  "revision",
  "created_seq",
  "error_text",
  "lease_owner",
  "lease_expires_at",
  "created_at",
  "updated_at",
  "finished_at",
].join(", ");

/**
 * Commits one writer tick inside the caller's transaction (R5): a handful of statements whatever
 * the number of messages.
 *
 * 1. Stream writes: one guarded `UPDATE messages SET revision = revision + 1 … WHERE status =
 *    'streaming'` for all of them (R15). A message that is no longer streaming (finalized by the
 *    sweep or another writer) or gone (deleted, R8) matches no row: its write is dropped and
 *    reported `finalized` / `missing`, and nothing is logged for it.
 * 2. Terminal writes: one unguarded `UPDATE` each (R15: the terminal write always wins over a
 *    streaming write); only a deleted row stops it.
 * 3. One `message.delta` or `message.finished` event per applied write, seqs bumped per thread in
 *    one statement (see {@link appendEvents}).
 * 4. Bodies due for a rewrite (R9) and every terminal body.
 */
export async function commitWrites(
  trx: Kysely<Database>,
  writes: readonly MessageWrite[],
  now: number,
): Promise<WriteOutcome[]> {
  const applied = new Map<string, MessageRow>();
  const streamWrites = writes.filter((w) => w.kind === "stream");
  for (let i = 0; i < streamWrites.length; i += VALUES_BATCH_ROWS) {
    const values = sql.join(
      streamWrites
        .slice(i, i + VALUES_BATCH_ROWS)
        .map((w) => sql`(${w.workspaceId}, ${w.messageId})`),
    );
    // The R15 guard: only a message still streaming takes a streaming write.
    const { rows } = await sql<MessageRow>`
      update messages set revision = revision + 1, updated_at = ${now}
      from (values ${values}) as v
      where messages.workspace_id = v.column1 and messages.id = v.column2
        and messages.status = 'streaming'
      returning ${sql.raw(MESSAGE_COLUMNS)}`.execute(trx);
    for (const row of rows) applied.set(threadKey(row.workspace_id, row.id), row);
  }
  for (const write of writes) {
    if (write.kind !== "finish") continue;
    const row = await trx
      .updateTable("messages")
      .set((eb) => ({
        status: write.status,
        revision: eb("revision", "+", 1),
        error_text: write.errorText ?? null,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: now,
        finished_at: now,
      }))
      .where("workspace_id", "=", write.workspaceId)
      .where("id", "=", write.messageId)
      .$if(write.leaseExpiredBefore !== undefined, (qb) =>
        qb
          .where("status", "=", "streaming")
          .where((eb) =>
            eb.or([
              eb("lease_expires_at", "is", null),
              eb("lease_expires_at", "<", write.leaseExpiredBefore ?? 0),
            ]),
          ),
      )
      .returningAll()
      .executeTakeFirst();
    if (row) applied.set(threadKey(row.workspace_id, row.id), row);
  }

  const pending: PendingEvent[] = [];
  const pendingRows: MessageRow[] = [];
  for (const write of writes) {
    const row = applied.get(threadKey(write.workspaceId, write.messageId));
    if (!row) continue;
    pendingRows.push(row);
    const base = {
      workspaceId: write.workspaceId,
      threadId: row.thread_id,
      messageId: row.id,
      revision: Number(row.revision),
    };
    pending.push(
      write.kind === "stream"
        ? { ...base, type: "message.delta", data: write.delta }
        : {
            ...base,
            type: "message.finished",
            data: { message: toStoredMessage(row, write.message), chunks: write.chunks },
          },
    );
  }
  const events = await appendEvents(trx, pending, now);
  const byMessage = new Map<string, ThreadEvent>();
  events.forEach((event, i) => {
    const row = pendingRows[i];
    if (event && row) byMessage.set(threadKey(row.workspace_id, row.id), event);
  });

  for (const write of writes) {
    const key = threadKey(write.workspaceId, write.messageId);
    const event = byMessage.get(key);
    if (!event) continue;
    if (write.kind === "finish") {
      await writeBody(trx, write.workspaceId, write.messageId, event, {
        parts: write.message.parts,
        metadata: write.message.metadata,
        foldOpen: null,
      });
    } else if (write.body) {
      await writeBody(trx, write.workspaceId, write.messageId, event, {
        parts: write.body.fold.message.parts,
        metadata: write.body.fold.message.metadata,
        foldOpen: write.body.fold.open,
      });
    }
  }

  const rejected = writes.filter((w) => !byMessage.has(threadKey(w.workspaceId, w.messageId)));
  const existing = await existingMessages(trx, rejected);
  return writes.map((write): WriteOutcome => {
    const key = threadKey(write.workspaceId, write.messageId);
    const event = byMessage.get(key);
    if (event)
      return { workspaceId: write.workspaceId, messageId: write.messageId, applied: true, event };
    return {
      workspaceId: write.workspaceId,
      messageId: write.messageId,
      applied: false,
      reason: existing.has(key) ? "finalized" : "missing",
    };
  });
}

async function existingMessages(
  trx: Kysely<Database>,
  writes: readonly MessageWrite[],
): Promise<Set<string>> {
  if (writes.length === 0) return new Set();
  const rows = await trx
    .selectFrom("messages")
    .select(["workspace_id", "id"])
    .where((eb) =>
      eb(
        eb.refTuple("workspace_id", "id"),
        "in",
        writes.map((w) => eb.tuple(w.workspaceId, w.messageId)),
      ),
    )
    .execute();
  return new Set(rows.map((r) => threadKey(r.workspace_id, r.id)));
}

async function writeBody(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  event: ThreadEvent,
  body: { parts: unknown; metadata: unknown; foldOpen: unknown },
): Promise<void> {
  await trx
    .updateTable("message_bodies")
    .set({
      parts: JSON.stringify(body.parts),
      metadata: toJson(body.metadata),
      fold_state: toJson(body.foldOpen),
      revision: event.revision ?? 0,
      seq: event.seq,
    })
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "=", messageId)
    .execute();
}
