import type { Kysely, Selectable } from "kysely";
import { createFoldState, type FoldState, foldChunks } from "../../message/fold.js";
import type { MessageRole, UIMessage } from "../../message/types.js";
import type { MessageDelta, StoredMessage } from "../../protocol/resources.js";
import { eventPayloadText } from "../event-payload.js";
import { parseJson, toStoredMessage } from "../mappers.js";
import { type Database, type MessageBodyRow, type MessageRow, PARTS_IN_LOG } from "../schema.js";

type MessageWithBody = MessageRow &
  Pick<MessageBodyRow, "parts" | "metadata" | "fold_state"> & {
    body_revision: number;
    body_seq: number;
  };

function selectMessages(db: Kysely<Database>, workspaceId: string) {
  return db
    .selectFrom("messages as m")
    .innerJoin("message_bodies as b", (join) =>
      join.onRef("b.workspace_id", "=", "m.workspace_id").onRef("b.message_id", "=", "m.id"),
    )
    .selectAll("m")
    .select([
      "b.parts",
      "b.metadata",
      "b.fold_state",
      "b.revision as body_revision",
      "b.seq as body_seq",
    ])
    .where("m.workspace_id", "=", workspaceId);
}

/** Reads one committed message, materialized up to its latest revision (R9). */
export async function readMessage(
  db: Kysely<Database>,
  workspaceId: string,
  messageId: string,
): Promise<StoredMessage | undefined> {
  const row = await selectMessages(db, workspaceId)
    .where("m.id", "=", messageId)
    .executeTakeFirst();
  if (!row) return undefined;
  const [message] = await materialize(db, workspaceId, row.thread_id, [row as MessageWithBody]);
  return message;
}

/**
 * Reads the committed messages of a thread in creation order, materialized (R9): every one, or
 * only those created after `afterSeq` and of role `role`.
 */
export async function readThreadMessages(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  filter: { afterSeq?: number; role?: MessageRole } = {},
): Promise<StoredMessage[]> {
  const rows = await selectMessages(db, workspaceId)
    .where("m.thread_id", "=", threadId)
    .$if(filter.afterSeq !== undefined, (qb) =>
      qb.where("m.created_seq", ">", filter.afterSeq ?? 0),
    )
    .$if(filter.role !== undefined, (qb) => qb.where("m.role", "=", filter.role ?? ""))
    .orderBy("m.created_seq")
    .execute();
  return materialize(db, workspaceId, threadId, rows as MessageWithBody[]);
}

/**
 * Turns rows into messages. A streaming message gets the `message.delta` events logged since its
 * body was written folded on top of the body's fold state, and its revision and `updatedAt` from
 * the newest of them: a streaming tick writes only its event, not the message row (R9, R13).
 */
async function materialize(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  rows: readonly MessageWithBody[],
): Promise<StoredMessage[]> {
  const lagging = rows.filter(
    (r) => r.status === "streaming" || Number(r.body_revision) < Number(r.revision),
  );
  const deltas = new Map<string, { revision: number; createdAt: number; delta: MessageDelta }[]>();
  if (lagging.length > 0) {
    const fromSeq = Math.min(...lagging.map((r) => Number(r.body_seq)));
    const events = await db
      .selectFrom("events")
      .select(["message_id", "revision", "created_at", "payload"])
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .where("seq", ">", fromSeq)
      .where("type", "=", "message.delta")
      .where(
        "message_id",
        "in",
        lagging.map((r) => r.id),
      )
      .orderBy("seq")
      .execute();
    for (const event of events) {
      const list = deltas.get(event.message_id ?? "") ?? [];
      list.push({
        revision: Number(event.revision),
        createdAt: Number(event.created_at),
        delta: JSON.parse(event.payload),
      });
      deltas.set(event.message_id ?? "", list);
    }
  }
  const inLog = await readPartsInLog(db, workspaceId, threadId, rows);
  return rows.map((row) => {
    const base = bodyFoldState(row, inLog.get(row.id));
    // Deltas at or below the body's revision are already in it.
    const pending = (deltas.get(row.id) ?? []).filter(
      (d) => d.revision > Number(row.body_revision),
    );
    const fold = applyDeltas(
      base,
      pending.map((d) => d.delta),
    );
    const message = toStoredMessage(row, fold.message);
    const revision = Math.max(message.revision, Number(row.body_revision));
    const newest = pending.at(-1);
    if (!newest) return { ...message, revision };
    return {
      ...message,
      revision: Math.max(revision, newest.revision),
      updatedAt: Math.max(message.updatedAt, newest.createdAt),
    };
  });
}

/** Seqs per look-up of {@link readPartsInLog}. */
const SEQS_PER_READ = 1_000;

/**
 * The final parts and metadata of the compacted messages among `rows` (body `parts` is
 * {@link PARTS_IN_LOG}), from the events at their bodies' seqs (their `message.finished`, or the
 * `message.created` of a message appended complete), by message id, a thousand per query.
 */
async function readPartsInLog(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  rows: readonly MessageWithBody[],
): Promise<Map<string, Pick<UIMessage, "parts" | "metadata">>> {
  const held = new Map<string, Pick<UIMessage, "parts" | "metadata">>();
  const seqs = rows.filter((r) => r.parts === PARTS_IN_LOG).map((r) => Number(r.body_seq));
  // In slices, so a thread of any length stays under SQLite's 32 766 bound parameters.
  for (let start = 0; start < seqs.length; start += SEQS_PER_READ) {
    const events = await db
      .selectFrom("events")
      .select(["message_id", "payload", "payload_deflated"])
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", threadId)
      .where("seq", "in", seqs.slice(start, start + SEQS_PER_READ))
      .execute();
    for (const event of events) {
      const { message } = JSON.parse(eventPayloadText(event)) as { message: UIMessage };
      held.set(event.message_id ?? "", { parts: message.parts, metadata: message.metadata });
    }
  }
  return held;
}

function bodyFoldState(
  row: Selectable<MessageWithBody>,
  inLog: Pick<UIMessage, "parts" | "metadata"> | undefined,
): FoldState {
  if (!inLog && row.parts === PARTS_IN_LOG) {
    // Compaction hands a body to the log only while that event exists; only a corrupted database
    // gets here.
    throw new Error(
      `message ${row.id}: its final parts are missing from the log (seq ${row.body_seq})`,
    );
  }
  const metadata = inLog ? inLog.metadata : parseJson(row.metadata);
  const message: UIMessage = {
    id: row.id,
    role: row.role as UIMessage["role"],
    parts: inLog ? inLog.parts : JSON.parse(row.parts),
    ...(metadata === null || metadata === undefined ? {} : { metadata }),
  };
  const open = parseJson<FoldState["open"]>(row.fold_state);
  return open ? { ...createFoldState(message), open } : createFoldState(message);
}

/** Applies logged deltas (chunk batches or whole-message updates) to a fold state. */
export function applyDeltas(state: FoldState, deltas: readonly MessageDelta[]): FoldState {
  let fold = state;
  for (const delta of deltas) {
    if (delta.message) {
      fold = createFoldState({ ...delta.message, id: fold.message.id, role: fold.message.role });
    }
    fold = foldChunks(fold, delta.chunks);
  }
  return fold;
}
