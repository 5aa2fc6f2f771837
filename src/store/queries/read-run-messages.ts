import type { Kysely } from "kysely";
import type { StoredMessage } from "../../protocol/resources.js";
import type { Database } from "../schema.js";
import { readThreadMessages } from "./read-messages.js";

/**
 * The messages a run carries (R22; seed 004 reads the whole session at run time): every user
 * message of the thread created after its last assistant message (streaming or finished), in
 * order, read when the run fires. System messages are skipped and do not reset the window.
 *
 * @returns undefined when the thread does not exist (it was deleted with its triggers).
 */
export async function readRunMessages(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
): Promise<StoredMessage[] | undefined> {
  const thread = await db
    .selectFrom("threads")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", threadId)
    .executeTakeFirst();
  if (!thread) return undefined;
  const lastAssistant = await db
    .selectFrom("messages")
    .select((eb) => eb.fn.max("created_seq").as("seq"))
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .where("role", "=", "assistant")
    .executeTakeFirst();
  const afterSeq = Number(lastAssistant?.seq ?? 0);
  return readThreadMessages(db, workspaceId, threadId, { afterSeq, role: "user" });
}
