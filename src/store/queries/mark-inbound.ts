import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Marks an idempotency claim processed with the message stored under it (R21), inside the
 * message's transaction. Guarded by `token = mine AND status = 'processing'`: when the claim was
 * taken over (or is gone) the guard matches nothing and this returns false — the caller then rolls
 * the transaction back, so the old holder's message is never stored. A processed claim keeps its
 * token and message forever after (until retention, R25).
 */
export async function markInboundProcessed(
  trx: Kysely<Database>,
  workspaceId: string,
  claim: { key: string; token: string },
  messageId: string,
  now: number,
): Promise<boolean> {
  const result = await trx
    .updateTable("inbound_claims")
    .set({ status: "processed", message_id: messageId, processed_at: now })
    .where("workspace_id", "=", workspaceId)
    .where("idempotency_key", "=", claim.key)
    .where("token", "=", claim.token)
    .where("status", "=", "processing")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
