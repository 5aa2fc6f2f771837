import type { Kysely } from "kysely";
import { ThreadlineError } from "../../errors.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Database } from "../schema.js";

/**
 * Checks that a log prefix (seq 1 to `atSeq`) still rebuilds every message as it stood at `atSeq`
 * after log compaction (R19, R32), inside the caller's transaction.
 *
 * Compaction removes only finished messages' `message.delta` events. A message finished inside the
 * prefix is rebuilt by its `message.finished` event whatever was removed before it; one still
 * streaming at `atSeq` needs every delta up to `atSeq`. Each event of a message carries the next
 * revision (created = 1, then +1 per event), and seqs are dense, so a removed delta of a message
 * shows as a skipped revision between two of its events in the prefix, or as a hole in the
 * prefix's seqs after its last event there together with a skipped revision at its first event
 * after `atSeq`. (A hole after its last event whose next revision follows on belongs to another
 * message.)
 *
 * The prefix and the revisions after it are two reads: a compaction committing between them on
 * PostgreSQL (read committed) can only make the check refuse a fork point it removed just then.
 *
 * @throws ThreadlineError `compacted` (410) naming the message whose deltas are gone, with
 *   `details: { messageId, atSeq }`: fork at a message boundary (`atMessageId`) instead.
 */
export async function checkForkPrefix(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  atSeq: number,
  prefix: readonly ThreadEvent[],
): Promise<void> {
  const open = new Map<string, { revision: number; seq: number; intact: boolean }>();
  let expectedSeq = 1;
  let lastHole = 0; // the highest seq of the prefix missing from the log (0: none)
  for (const event of prefix) {
    if (event.seq > expectedSeq) lastHole = event.seq - 1;
    expectedSeq = event.seq + 1;
    if (event.messageId === null || event.revision === null) continue;
    if (event.type === "message.created") {
      if (event.data.message.status !== "streaming") continue; // created finished: no deltas
      open.set(event.messageId, { revision: event.revision, seq: event.seq, intact: true });
      continue;
    }
    const chain = open.get(event.messageId);
    if (!chain) continue;
    if (event.type === "message.finished" || event.type === "message.deleted") {
      open.delete(event.messageId);
      continue;
    }
    chain.intact &&= event.revision === chain.revision + 1;
    chain.revision = event.revision;
    chain.seq = event.seq;
  }
  if (atSeq >= expectedSeq) lastHole = atSeq;
  const suspects = [...open].filter(([, chain]) => !chain.intact || lastHole > chain.seq);
  if (suspects.length === 0) return;
  const next = await trx
    .selectFrom("events")
    .select(["message_id", (eb) => eb.fn.min("revision").as("revision")])
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .where("seq", ">", atSeq)
    .where(
      "message_id",
      "in",
      suspects.map(([id]) => id),
    )
    .groupBy("message_id")
    .execute();
  const following = new Map(next.map((row) => [row.message_id, Number(row.revision)]));
  for (const [messageId, chain] of suspects) {
    const after = following.get(messageId);
    if (chain.intact && (after === undefined || after === chain.revision + 1)) continue;
    throw new ThreadlineError(
      "compacted",
      `cannot fork thread ${threadId} at seq ${atSeq}: message ${messageId} was streaming there and its deltas were compacted (R32); fork at a message boundary (atMessageId) instead`,
      { details: { messageId, atSeq } },
    );
  }
}
