import type { Kysely, Selectable } from "kysely";
import { createFoldState, type FoldState, foldChunks } from "../../message/fold.js";
import type { MessageRole, UIMessage } from "../../message/types.js";
import type { MessageDelta, StoredMessage } from "../../protocol/resources.js";
import { parseJson, toStoredMessage } from "../mappers.js";
import type { Database, MessageBodyRow, MessageRow } from "../schema.js";

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
  return rows.map((row) => {
    const base = bodyFoldState(row);
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

function bodyFoldState(row: Selectable<MessageWithBody>): FoldState {
  const message: UIMessage = {
    id: row.id,
    role: row.role as UIMessage["role"],
    parts: JSON.parse(row.parts),
    ...(row.metadata === null ? {} : { metadata: parseJson(row.metadata) }),
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
