import type { Kysely } from "kysely";
import { ThreadlineError } from "../../errors.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { StoredMessage } from "../../protocol/resources.js";
import { toJson, toStoredMessage } from "../mappers.js";
import type { Database } from "../schema.js";
import type { CreateMessageInput } from "../store.js";
import { insertEventsQueries, reserveSeq, withSeq } from "./append-events.js";
import { executePipelined } from "./batch.js";

/**
 * Inserts a message (row + body at revision 1) and appends its `message.created` event, inside the
 * caller's transaction. A streaming assistant message is created with its writer lease before any
 * chunk is accepted (R14, R18).
 *
 * @throws ThreadlineError `not_found` when the thread does not exist in this workspace;
 *   `conflict` when the workspace already has a message with this id.
 */
export async function createMessage(
  trx: Kysely<Database>,
  workspaceId: string,
  input: CreateMessageInput,
  now: number,
): Promise<{ message: StoredMessage; event: ThreadEvent }> {
  const seq = await reserveSeq(trx, workspaceId, input.threadId, now);
  if (seq === undefined)
    throw new ThreadlineError("not_found", `thread ${input.threadId} not found`);
  const row = await trx
    .insertInto("messages")
    .values({
      workspace_id: workspaceId,
      id: input.id,
      thread_id: input.threadId,
      role: input.role,
      status: input.status,
      revision: 1,
      created_seq: seq,
      error_text: input.errorText ?? null,
      lease_owner: input.lease?.owner ?? null,
      lease_expires_at: input.lease?.expiresAt ?? null,
      created_at: now,
      updated_at: now,
      finished_at: input.status === "streaming" ? null : now,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ThreadlineError("conflict", `message ${input.id} already exists`);
  const body = trx
    .insertInto("message_bodies")
    .values({
      workspace_id: workspaceId,
      message_id: input.id,
      parts: JSON.stringify(input.parts),
      metadata: toJson(input.metadata),
      fold_state: null,
      revision: 1,
      seq,
    })
    .compile();
  const message = toStoredMessage(row, { parts: input.parts, metadata: input.metadata });
  const event = withSeq(
    {
      workspaceId,
      threadId: input.threadId,
      type: "message.created",
      messageId: input.id,
      revision: 1,
      data: { message },
    },
    seq,
    now,
  );
  // Nobody reads these results: sent with the commit where the connection pipelines (batch.ts).
  await executePipelined(trx, [body, ...insertEventsQueries(trx, [{ workspaceId, event }])]);
  return { message, event };
}
