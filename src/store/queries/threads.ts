import { type Kysely, type RawBuilder, sql } from "kysely";
import { ThreadlineError } from "../../errors.js";
import { hasNul } from "../../message/json-input.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Thread } from "../../protocol/resources.js";
import { toJson, toThread } from "../mappers.js";
import type { Database, ThreadRow } from "../schema.js";
import { NEWEST_RECENT_SEQ_OF_THREAD } from "../sqlite/recent-events.js";
import { attachedThreadHeads } from "../sqlite/thread-heads.js";
import type { CreateThreadInput, ThreadPage } from "../store.js";
import { threadKey } from "./append-events.js";
import { isPostgres } from "./compiled-once.js";
import { isBeingDeleted } from "./delete-thread-rows.js";

/** The columns of a `threads` row. */
const THREAD_COLUMNS = [
  "workspace_id",
  "id",
  "title",
  "metadata",
  "forked_from_thread_id",
  "forked_from_seq",
  "head_seq",
  "compacted_seq",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof ThreadRow)[];

/** What {@link readWithHeads} needs of each row: the thread's key, its row's head, `head_recent`. */
interface HeadColumns {
  workspace_id: string;
  id: string;
  head_seq: number;
  head_recent: number | null;
}

/**
 * Reads rows of `threads` with their threads' exact head seqs (R11). `read` runs the query with
 * `head_seq`, the thread's key and the given expression as `head_recent`; each returned row's
 * `head_seq` is then its thread's head. On PostgreSQL that is the row's column. On SQLite it is the
 * larger of the column and the thread's newest seq in `events_recent`, where a streaming tick may
 * have left the head (`../sqlite/thread-heads.ts`). The connection's `ThreadHeads` know those seqs
 * wherever they are exact — inside its transactions, and outside them while no other connection
 * committed (`head_recent` is null then: the statement saw the cache's `data_version`). Elsewhere
 * (the worker driver, another process's commit) the statement finds them: a seek per distinct
 * commit time in `events_recent` per thread — right after 2 000 threads were created one commit
 * each, 0.44 ms a thread and 20 ms a page of 50, against 0.05 and 0.4 ms from the cache (bench,
 * 2026-12-03).
 */
async function readWithHeads<Row extends HeadColumns>(
  db: Kysely<Database>,
  read: (headRecent: RawBuilder<number | null>) => Promise<Row[]>,
): Promise<Row[]> {
  if (isPostgres(db)) return read(sql<null>`null`);
  const heads = attachedThreadHeads(db);
  const keyOf = (row: Row) => threadKey(row.workspace_id, row.id);
  if (heads && db.isTransaction && heads.active) {
    return raiseHeads(await read(sql<null>`null`), (row) => heads.get(keyOf(row))?.head);
  }
  const stamp = heads?.readStamp();
  if (heads && stamp) {
    const rows = await read(
      sql<number | null>`case when (select data_version from pragma_data_version())
        = ${stamp.dataVersion} then null else ${NEWEST_RECENT_SEQ} end`,
    );
    // A reconcile that cleared the cache after the statement: its rows are not the cache's match.
    if (heads.readStamp()?.generation === stamp.generation) {
      return raiseHeads(rows, (row) => row.head_recent ?? heads.committedHead(keyOf(row)));
    }
  }
  return raiseHeads(await read(NEWEST_RECENT_SEQ), (row) => row.head_recent);
}

/** A thread's newest seq in `events_recent` (0: none) as a column, found by seeks (SQLite). */
const NEWEST_RECENT_SEQ = sql<number>`coalesce(${sql.raw(NEWEST_RECENT_SEQ_OF_THREAD)}, 0)`;

/** Raises each row's `head_seq` to `recent(row)` where that is larger; @returns `rows`. */
function raiseHeads<Row extends HeadColumns>(
  rows: Row[],
  recent: (row: Row) => number | null | undefined,
): Row[] {
  for (const row of rows) row.head_seq = Math.max(row.head_seq, recent(row) ?? 0);
  return rows;
}

/**
 * Creates a thread with `head_seq = 1` and its first event at seq 1 — `thread.created`, or
 * `thread.forked` for a fork — creating the workspace row on first use. Runs inside the caller's
 * transaction.
 *
 * @throws ThreadlineError `conflict` when the workspace already has a thread with this id, or one
 *   with this id is still being deleted (its rows go in batches, R20; retry once it is gone).
 */
export async function createThread(
  trx: Kysely<Database>,
  workspaceId: string,
  input: CreateThreadInput,
  now: number,
): Promise<{ thread: Thread; event: ThreadEvent }> {
  await trx
    .insertInto("workspaces")
    .values({ id: workspaceId, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await trx
    .insertInto("threads")
    .values({
      workspace_id: workspaceId,
      id: input.id,
      title: input.title,
      metadata: toJson(input.metadata),
      forked_from_thread_id: input.forkedFrom?.threadId ?? null,
      forked_from_seq: input.forkedFrom?.seq ?? null,
      head_seq: 1,
      compacted_seq: 0,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ThreadlineError("conflict", `thread ${input.id} already exists`);
  // Checked after the insert: a deletion that committed meanwhile is seen here (read committed),
  // and throwing rolls the insert back, so a new thread never mixes with rows being deleted.
  if (await isBeingDeleted(trx, workspaceId, input.id)) {
    throw new ThreadlineError(
      "conflict",
      `thread ${input.id} is being deleted; its id is free again once the deletion finishes`,
    );
  }
  const thread = toThread(row);
  const base = { threadId: thread.id, seq: 1, messageId: null, revision: null, createdAt: now };
  const event: ThreadEvent = thread.forkedFrom
    ? { ...base, type: "thread.forked", data: { thread, forkedFrom: thread.forkedFrom } }
    : { ...base, type: "thread.created", data: { thread } };
  await trx
    .insertInto("events")
    .values({
      workspace_id: workspaceId,
      thread_id: thread.id,
      seq: 1,
      type: event.type,
      message_id: null,
      revision: null,
      payload: JSON.stringify(event.data),
      created_at: now,
    })
    .execute();
  return { thread, event };
}

/** Reads one thread of the workspace. */
export async function getThread(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
): Promise<Thread | undefined> {
  const [row] = await readWithHeads(db, (headRecent) =>
    db
      .selectFrom("threads")
      .select(THREAD_COLUMNS)
      .select(headRecent.as("head_recent"))
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", threadId)
      .execute(),
  );
  return row && toThread(row);
}

/**
 * A thread's log bounds (R11, R32): its head seq and the highest seq compaction removed (0: none).
 * @returns undefined for no such thread.
 */
export async function readLogBounds(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
): Promise<{ headSeq: number; compactedSeq: number } | undefined> {
  const [row] = await readWithHeads(db, (headRecent) =>
    db
      .selectFrom("threads")
      .select(["workspace_id", "id", "head_seq", "compacted_seq"])
      .select(headRecent.as("head_recent"))
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", threadId)
      .execute(),
  );
  return row && { headSeq: Number(row.head_seq), compactedSeq: Number(row.compacted_seq) };
}

/**
 * Lists threads newest first. The cursor is opaque (base64url of `createdAt:id`).
 * @throws ThreadlineError `bad_request` on a malformed cursor.
 */
export async function listThreads(
  db: Kysely<Database>,
  workspaceId: string,
  options: { limit: number; cursor?: string },
): Promise<ThreadPage> {
  let query = db
    .selectFrom("threads")
    .select(THREAD_COLUMNS)
    .where("workspace_id", "=", workspaceId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(options.limit + 1);
  if (options.cursor) {
    const { createdAt, id } = decodeCursor(options.cursor);
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", createdAt),
        eb.and([eb("created_at", "=", createdAt), eb("id", "<", id)]),
      ]),
    );
  }
  const rows = await readWithHeads(db, (headRecent) =>
    query.select(headRecent.as("head_recent")).execute(),
  );
  const page = rows.slice(0, options.limit).map(toThread);
  const last = page.at(-1);
  return {
    threads: page,
    nextCursor: rows.length > options.limit && last ? encodeCursor(last) : null,
  };
}

function encodeCursor(thread: Thread): string {
  return Buffer.from(`${thread.createdAt}:${thread.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  const text = Buffer.from(cursor, "base64url").toString();
  const colon = text.indexOf(":");
  const createdAt = Number(text.slice(0, colon));
  // A NUL in the decoded id would reach PostgreSQL, which refuses it (R30).
  if (colon < 1 || !Number.isSafeInteger(createdAt) || hasNul(text)) {
    throw new ThreadlineError("bad_request", `malformed cursor ${JSON.stringify(cursor)}`);
  }
  return { createdAt, id: text.slice(colon + 1) };
}
