import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Deletes an idempotency claim whose request failed before its message was stored (R21), so a
 * retry of the key starts afresh. Guarded by `token = mine AND status = 'processing'`: a claim
 * taken over by a newer request, or already processed, is left alone (returns false).
 */
export async function releaseInbound(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
  token: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom("inbound_claims")
    .where("workspace_id", "=", workspaceId)
    .where("idempotency_key", "=", key)
    .where("token", "=", token)
    .where("status", "=", "processing")
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
