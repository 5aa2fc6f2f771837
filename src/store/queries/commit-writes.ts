import { type Kysely, type QueryResult, sql } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import { toStoredMessage } from "../mappers.js";
import { columnParameters, textColumn, unnestArguments } from "../postgres/delimited-columns.js";
import type { Database, MessageRow } from "../schema.js";
import { threadHeadsOf } from "../sqlite/thread-heads.js";
import type { MessageWrite, WriteDecision } from "../store.js";
import {
  insertEventsQueries,
  moveUpdatedAtQueries,
  planReserveSeqs,
  releaseSeqsQueries,
  type SeqReservation,
  threadKey,
} from "./append-events.js";
import { executePipelined, executePlans, type QueryPlan } from "./batch.js";
import { compileOnce, multiRowStatements } from "./compiled-once.js";
import { writeBodyQuery } from "./write-body.js";

/**
 * A stream write the R15 guard refuses, with its message as read: none (`null`s: deleted, R8), in
 * another thread, or no longer `streaming`.
 */
interface RefusedRow {
  workspace_id: string;
  id: string;
  thread_id: string | null;
  status: string | null;
}

/**
 * Commits one writer tick inside the caller's transaction (R5): one row written per message per
 * tick — its event — plus one `head_seq` bump per thread, whatever the number of messages.
 *
 * 1. The seqs of every write are reserved on their threads first (`head_seq` bumped under the
 *    thread's row lock, {@link planReserveSeqs}). That lock orders this commit with every other
 *    appender of the thread — a crash sweep, a delete, another node — so the guard below reads a
 *    state no other appender can change before this commit's events are in the log.
 * 2. Stream writes are guarded (R15): one read of their messages, returning only the refused
 *    ones (none in a healthy tick) — on SQLite in this thread only those of messages no earlier
 *    tick found streaming since the last change of any message's status by anyone
 *    (`ThreadHeads.streamingGuard`); a message no longer `streaming`
 *    (finalized by the sweep or another writer) or gone (deleted, R8) takes nothing — its write is
 *    reported `finalized` / `missing`, nothing is logged for it, and its reserved seq is given back
 *    so seqs stay dense. The message row itself is not written: its revision is the writer's
 *    (`write.revision`, R13) and reaches the row with the next terminal write, while reads take
 *    the newest revision from the log (see `read-messages.ts`).
 * 3. Terminal writes: one unguarded `UPDATE` each (R15: the terminal write always wins over a
 *    streaming write, R16); only a deleted row — or, for the crash sweep, a lease that is not
 *    expired — stops it.
 * 4. One `message.delta` or `message.finished` event per applied write, inserted in multi-row
 *    statements.
 * 5. Bodies due for a rewrite (R9) and every terminal body.
 */
export async function commitWrites(
  trx: Kysely<Database>,
  writes: readonly MessageWrite[],
  now: number,
): Promise<WriteDecision[]> {
  // On SQLite in this thread, messages earlier ticks found streaming need no guard read while
  // nothing else changed a message's status since (`message_epoch`, migration 8).
  const guard = await threadHeadsOf(trx)?.streamingGuard(trx);
  const messageKeys = writes.map((w) => threadKey(w.workspaceId, w.messageId));
  const guarded = writes.filter(
    (w, i) => w.kind === "stream" && !guard?.verified(messageKeys[i] as string, w.threadId),
  );
  // Steps 1 and 2 share a round trip, and steps 4 and 5 are pipelined into the commit's: on the
  // worker-backed SQLite connection a streaming tick waits for two replies (batch.ts).
  const [reservation, refused] = await executePlans(
    trx,
    planReserveSeqs(
      trx,
      writes.map((w) => ({
        workspaceId: w.workspaceId,
        threadId: w.threadId,
        delta: w.kind === "stream",
      })),
      now,
    ),
    planGuard(trx, guarded),
  );
  const outcomes: (WriteDecision | undefined)[] = [];
  const applied: { write: MessageWrite; index: number; row: MessageRow | undefined }[] = [];
  const streaming: [string, string][] = [];
  const ended: string[] = [];
  let statusChanges = 0;
  for (const [index, write] of writes.entries()) {
    const decision =
      write.kind === "stream"
        ? decideStream(write, messageKeys[index] as string, refused, reservation)
        : await decideTerminal(trx, write, reservation, now);
    if ("rejected" in decision) outcomes[index] = decision.rejected;
    else applied.push({ write, index, row: decision.row });
    if (guard) {
      const key = messageKeys[index] as string;
      const taken = !("rejected" in decision);
      if (write.kind === "stream" && taken) streaming.push([key, write.threadId]);
      else ended.push(key);
      if (write.kind !== "stream" && taken) statusChanges += 1;
    }
  }
  guard?.settled({ streaming, ended, statusChanges });

  const events: { workspaceId: string; event: ThreadEvent }[] = [];
  for (const { write, index, row } of applied) {
    const seq = reservation.next(write.workspaceId, write.threadId);
    const event = appliedEvent(write, row, seq, now);
    events.push({ workspaceId: write.workspaceId, event });
    outcomes[index] = {
      workspaceId: write.workspaceId,
      messageId: write.messageId,
      applied: true,
      event,
    };
  }
  const queries = [
    ...moveUpdatedAtQueries(trx, reservation.staleUpdatedAt, now),
    ...releaseSeqsQueries(trx, reservation.unused(), now),
    ...insertEventsQueries(trx, events),
  ];
  for (const [i, { write }] of applied.entries()) {
    const event = events[i]?.event as ThreadEvent;
    if (write.kind === "finish") {
      queries.push(
        writeBodyQuery(trx, write.workspaceId, write.messageId, event, {
          parts: write.message.parts,
          metadata: write.message.metadata,
          foldOpen: null,
        }),
      );
    } else if (write.body) {
      queries.push(
        writeBodyQuery(trx, write.workspaceId, write.messageId, event, {
          parts: write.body.fold.message.parts,
          metadata: write.body.fold.message.metadata,
          foldOpen: write.body.fold.open,
        }),
      );
    }
  }
  await executePipelined(trx, queries);
  return outcomes as WriteDecision[];
}

/** What deciding a write gives: the outcome of a write that matched nothing, or its row. */
type Decision = { rejected: WriteDecision } | { row: MessageRow | undefined };

/**
 * Decides a stream write against the guard read, without a statement (so a tick's thousand stream
 * writes never yield to the event loop in between).
 * @returns the outcome of a write that matched nothing (its reserved seq is released), or no row.
 */
function decideStream(
  write: MessageWrite,
  messageKey: string,
  refused: ReadonlyMap<string, RefusedRow>,
  reservation: SeqReservation,
): Decision {
  if (!reservation.has(write.workspaceId, write.threadId)) {
    return reject(write, reservation, "missing");
  }
  const row = refused.get(messageKey);
  if (!row) return { row: undefined };
  const elsewhere = row.thread_id === null || row.thread_id !== write.threadId;
  return reject(write, reservation, elsewhere ? "missing" : "finalized");
}

/**
 * Decides a terminal write by its `UPDATE`.
 * @returns the outcome of a write that matched nothing (its reserved seq is released), or the
 *   updated row.
 */
async function decideTerminal(
  trx: Kysely<Database>,
  write: Exclude<MessageWrite, { kind: "stream" }>,
  reservation: SeqReservation,
  now: number,
): Promise<Decision> {
  if (!reservation.has(write.workspaceId, write.threadId)) {
    return reject(write, reservation, "missing");
  }
  const row = await trx
    .updateTable("messages")
    .set({
      status: write.status,
      revision: write.revision,
      error_text: write.errorText ?? null,
      lease_owner: null,
      lease_expires_at: null,
      updated_at: now,
      finished_at: now,
    })
    .where("workspace_id", "=", write.workspaceId)
    .where("id", "=", write.messageId)
    .where("thread_id", "=", write.threadId)
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
  if (!row) {
    return reject(
      write,
      reservation,
      write.leaseExpiredBefore === undefined ? "missing" : "finalized",
    );
  }
  return { row };
}

/** A write that matched nothing: its reserved seq is given back. */
function reject(
  write: MessageWrite,
  reservation: SeqReservation,
  reason: "finalized" | "missing",
): Decision {
  reservation.release(write.workspaceId, write.threadId);
  return {
    rejected: {
      workspaceId: write.workspaceId,
      messageId: write.messageId,
      applied: false,
      reason,
    },
  };
}

/**
 * The R15 guard of the stream writes: one read of their messages, in a few multi-row statements,
 * returning only the writes it refuses (none, in a healthy tick) — the message is gone, in another
 * thread, or no longer `streaming`.
 */
function planGuard(
  trx: Kysely<Database>,
  writes: readonly MessageWrite[],
): QueryPlan<Map<string, RefusedRow>> {
  const queries = multiRowStatements(trx, writes, {
    unnest: (all) => {
      const columns = [
        textColumn(all.map((w) => w.workspaceId)),
        textColumn(all.map((w) => w.messageId)),
        textColumn(all.map((w) => w.threadId)),
      ];
      return compileOnce(
        trx,
        "guard messages (unnest)",
        () =>
          sql<RefusedRow>`
            select v.workspace_id, v.id, m.thread_id, m.status
            from unnest(${unnestArguments(columns)}) as v(workspace_id, id, thread_id)
            left join messages m on m.workspace_id = v.workspace_id and m.id = v.id
            where m.id is null or m.thread_id <> v.thread_id or m.status <> 'streaming'`.compile(
            trx,
          ),
        columnParameters(columns),
      );
    },
    values: (batch) =>
      compileOnce(
        trx,
        `guard messages × ${batch.length}`,
        () => {
          const values = sql.join(
            batch.map((w) => sql`(${w.workspaceId}, ${w.messageId}, ${w.threadId})`),
          );
          return sql<RefusedRow>`
            select v.column1 as workspace_id, v.column2 as id, m.thread_id, m.status
            from (values ${values}) as v
            left join messages m on m.workspace_id = v.column1 and m.id = v.column2
            where m.id is null or m.thread_id <> v.column3 or m.status <> 'streaming'`.compile(trx);
        },
        guardParameters(batch),
      ),
  });
  return {
    queries,
    read(results) {
      const refused = new Map<string, RefusedRow>();
      for (const { rows } of results as QueryResult<RefusedRow>[]) {
        for (const row of rows) refused.set(threadKey(row.workspace_id, row.id), row);
      }
      return refused;
    },
  };
}

/** The event an applied write logs, with its seq and commit time (built once: a tick makes 1 000s). */
function appliedEvent(
  write: MessageWrite,
  row: MessageRow | undefined,
  seq: number,
  now: number,
): ThreadEvent {
  if (write.kind === "stream") {
    return {
      type: "message.delta",
      threadId: write.threadId,
      seq,
      messageId: write.messageId,
      revision: write.revision,
      createdAt: now,
      data: write.delta,
    };
  }
  return {
    type: "message.finished",
    threadId: write.threadId,
    seq,
    messageId: write.messageId,
    revision: write.revision,
    createdAt: now,
    data: {
      message: toStoredMessage(row as MessageRow, write.message),
      chunks: write.chunks,
    },
  };
}

/** The parameters of a multi-row guard read: each write's workspace, message and thread ids. */
function guardParameters(writes: readonly MessageWrite[]): unknown[] {
  const parameters: unknown[] = [];
  for (const w of writes) parameters.push(w.workspaceId, w.messageId, w.threadId);
  return parameters;
}
