import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { WorkspaceEvent } from "../store.js";
import { abortOrphanedMessage } from "./leases.js";

/**
 * Finalizes `aborted` up to `limit` streaming messages whose writer lease `owner` holds, when the
 * caller knows that no live writer of `owner` exists (R31): a process restarted under the same node
 * id (it has opened no writer yet), or a takeover holding the dead node's stale row (see
 * {@link takeOverNode}). Each gets `errorText`, an `abort` chunk with `reason` and a
 * `message.finished` event; partial parts are kept and unpaired tool calls get a synthetic
 * `output-error` (R16).
 *
 * Guard, inside the caller's transaction: the rows are selected `WHERE status = 'streaming' AND
 * lease_owner = $owner` and, with `lockRows` (PostgreSQL), locked `FOR UPDATE` in id order before
 * they are read and written, so the condition still holds at the write (a lease owner never
 * changes; a message its writer finished meanwhile is re-checked after the lock and left out). The
 * terminal write itself is the crash sweep's (`abortOrphanedMessage`, `status = 'streaming'`).
 * @returns the events of the messages finalized, oldest id first; fewer than `limit` when no more
 *   were left.
 */
export async function abortNodeOrphans(
  trx: Kysely<Database>,
  owner: string,
  now: number,
  options: { limit: number; lockRows: boolean; errorText: string; reason: string },
): Promise<WorkspaceEvent[]> {
  const rows = await trx
    .selectFrom("messages")
    .select(["workspace_id", "id"])
    .where("status", "=", "streaming")
    .where("lease_owner", "=", owner)
    .orderBy("workspace_id")
    .orderBy("id")
    .limit(options.limit)
    .$if(options.lockRows, (qb) => qb.forUpdate())
    .execute();
  const finalized: WorkspaceEvent[] = [];
  for (const row of rows) {
    const event = await abortOrphanedMessage(trx, row.workspace_id, row.id, now, {
      lockRow: false, // locked above
      leaseExpiredBefore: Number.MAX_SAFE_INTEGER,
      errorText: options.errorText,
      chunk: { type: "abort", reason: options.reason },
    });
    if (event) finalized.push({ workspaceId: row.workspace_id, event });
  }
  return finalized;
}
