import type { Kysely } from "kysely";
import { finalizeMessage } from "../../message/finalize.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Database } from "../schema.js";
import { commitWrites } from "./commit-writes.js";
import { readMessage } from "./read-messages.js";

/** Error text of a message the crash sweep finalized (R18). */
export const LEASE_EXPIRED_TEXT =
  "The writer of this message stopped before it finished (lease expired).";

/**
 * Extends the lease of every message `owner` is streaming (R18). Guarded by owner and status, so a
 * message finalized meanwhile is not touched.
 * @returns the number of leases renewed.
 */
export async function renewLeases(
  db: Kysely<Database>,
  owner: string,
  expiresAt: number,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable("messages")
    .set({ lease_expires_at: expiresAt, updated_at: now })
    .where("lease_owner", "=", owner)
    .where("status", "=", "streaming")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Streaming messages whose lease expired before `now`, oldest lease first. */
export async function findExpiredLeases(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<{ workspaceId: string; id: string }[]> {
  const rows = await db
    .selectFrom("messages")
    .select(["workspace_id", "id"])
    .where("status", "=", "streaming")
    .where((eb) => eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)]))
    .orderBy("lease_expires_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, id: r.id }));
}

/**
 * Finalizes one message `aborted` if, inside this transaction, it is still streaming with a lease
 * that expired before `now` (R18). Its partial parts are kept and unpaired tool calls get a
 * synthetic `output-error` (R16). Losing the race (the writer renewed its lease or finished first,
 * or the message was deleted) returns undefined and changes nothing.
 */
export async function sweepExpiredLease(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  now: number,
  options: { lockRow: boolean },
): Promise<ThreadEvent | undefined> {
  if (options.lockRow) {
    // Hold the row while reading its parts, so no delta commits between the read and the write.
    await trx
      .selectFrom("messages")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", messageId)
      .forUpdate()
      .execute();
  }
  const current = await readMessage(trx, workspaceId, messageId);
  if (current?.status !== "streaming") return undefined;
  const final = finalizeMessage(current, "aborted", LEASE_EXPIRED_TEXT);
  const [outcome] = await commitWrites(
    trx,
    [
      {
        kind: "finish",
        workspaceId,
        messageId,
        status: "aborted",
        errorText: LEASE_EXPIRED_TEXT,
        message: final,
        chunks: [{ type: "abort" }],
        leaseExpiredBefore: now,
      },
    ],
    now,
  );
  return outcome?.applied ? outcome.event : undefined;
}
