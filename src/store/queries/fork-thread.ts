import type { Kysely } from "kysely";
import { ThreadlineError } from "../../errors.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Thread } from "../../protocol/resources.js";
import { messagesOfLog } from "../../protocol/thread-view.js";
import type { Database } from "../schema.js";
import type { CreateThreadInput } from "../store.js";
import { checkForkPrefix } from "./check-fork-prefix.js";
import { createMessage } from "./create-message.js";
import { readEventRange } from "./read-events.js";
import { createThread, getThread } from "./threads.js";

/** Where a fork starts: a log offset, or the last event of a message (R19). */
export type ForkPoint = { atSeq?: number; atMessageId?: string };

/**
 * Creates a new thread whose history equals the source's log up to the fork point (R19), inside the
 * caller's transaction: `thread.forked` at seq 1, then a `message.created` per message as it stood
 * at that point (one still streaming there is copied `aborted`), under a new id from `newMessageId`
 * (message ids are unique per workspace). The source is only read.
 *
 * Compacted history (R32) forks like any other: messages finished by the fork point are rebuilt
 * from their `message.finished` events. Only a fork point where a message whose deltas were
 * compacted was still streaming is refused (its state there is gone; see `checkForkPrefix`).
 *
 * @throws ThreadlineError `not_found` (source thread, or a message not in it), `bad_offset` (atSeq
 *   not an integer from 1 to the source's head), `conflict` (the new id is taken), `compacted`
 *   (410: a message was streaming at `atSeq` and its deltas were compacted).
 */
export async function forkThread(
  trx: Kysely<Database>,
  workspaceId: string,
  sourceId: string,
  point: ForkPoint,
  input: Omit<CreateThreadInput, "forkedFrom">,
  newMessageId: () => string,
  now: number,
): Promise<{ thread: Thread; events: ThreadEvent[] }> {
  const source = await getThread(trx, workspaceId, sourceId);
  if (!source) throw new ThreadlineError("not_found", `thread ${sourceId} not found`);
  const atSeq = await resolveForkSeq(trx, workspaceId, source, point);
  const log = await readEventRange(trx, workspaceId, sourceId, { afterSeq: 0, upToSeq: atSeq });
  await checkForkPrefix(trx, workspaceId, sourceId, atSeq, log);
  const messages = messagesOfLog(log);
  const created = await createThread(
    trx,
    workspaceId,
    { ...input, forkedFrom: { threadId: sourceId, seq: atSeq } },
    now,
  );
  const events: ThreadEvent[] = [created.event];
  for (const message of messages) {
    const copy = await createMessage(
      trx,
      workspaceId,
      {
        threadId: created.thread.id,
        id: newMessageId(),
        role: message.role,
        status: message.status,
        parts: message.parts,
        metadata: message.metadata,
        ...(message.errorText === undefined ? {} : { errorText: message.errorText }),
      },
      now,
    );
    events.push(copy.event);
  }
  return { thread: { ...created.thread, headSeq: 1 + messages.length }, events };
}

async function resolveForkSeq(
  trx: Kysely<Database>,
  workspaceId: string,
  source: Thread,
  point: ForkPoint,
): Promise<number> {
  if (point.atMessageId !== undefined) {
    const row = await trx
      .selectFrom("events")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .where("workspace_id", "=", workspaceId)
      .where("thread_id", "=", source.id)
      .where("message_id", "=", point.atMessageId)
      .executeTakeFirst();
    if (row?.seq === null || row?.seq === undefined) {
      throw new ThreadlineError(
        "not_found",
        `message ${point.atMessageId} not found in thread ${source.id}`,
      );
    }
    return Number(row.seq);
  }
  const atSeq = point.atSeq ?? source.headSeq;
  if (!Number.isSafeInteger(atSeq) || atSeq < 1 || atSeq > source.headSeq) {
    throw new ThreadlineError(
      "bad_offset",
      `atSeq must be an integer from 1 to ${source.headSeq} (the head of thread ${source.id})`,
      { details: { headSeq: source.headSeq } },
    );
  }
  return atSeq;
}
