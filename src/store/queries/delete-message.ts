import type { Kysely } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Database } from "../schema.js";
import { appendEvents } from "./append-events.js";

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
        revision: Number(row.revision) + 1,
        data: {},
      },
    ],
    now,
  );
  return event;
}
