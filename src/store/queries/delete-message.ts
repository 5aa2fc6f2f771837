import type { Kysely } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Database } from "../schema.js";
import { appendEvents } from "./append-events.js";
import { readMessage } from "./read-messages.js";

/**
 * Deletes a message and its body and appends `message.deleted` to its thread's log, inside the
 * caller's transaction. Later writes for it match no row, so nothing is written back over it (R8).
 * @returns the event, or undefined when the workspace has no such message.
 */
export async function deleteMessage(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  now: number,
): Promise<ThreadEvent | undefined> {
  // The newest revision is in the log while the message streams (its row is written only by
  // terminal writes): message.deleted must come after it (R13).
  const current = await readMessage(trx, workspaceId, messageId);
  const row = await trx
    .deleteFrom("messages")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", messageId)
    .returning(["thread_id", "revision"])
    .executeTakeFirst();
  if (!row) return undefined;
  await trx
    .deleteFrom("message_bodies")
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "=", messageId)
    .execute();
  const [event] = await appendEvents(
    trx,
    [
      {
        workspaceId,
        threadId: row.thread_id,
        type: "message.deleted",
        messageId,
        revision: Math.max(Number(row.revision), current?.revision ?? 0) + 1,
        data: {},
      },
    ],
    now,
  );
  return event;
}
