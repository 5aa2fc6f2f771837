import type { Kysely } from "kysely";
import type { InboundClaimRecord, RunTrigger } from "../inbound-records.js";
import { toInboundClaim, toRunTrigger } from "../mappers.js";
import type { Database } from "../schema.js";

/** Reads one idempotency claim of a workspace (R21). */
export async function getInboundClaim(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
): Promise<InboundClaimRecord | undefined> {
  const row = await db
    .selectFrom("inbound_claims")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("idempotency_key", "=", key)
    .executeTakeFirst();
  return row ? toInboundClaim(row) : undefined;
}

/** Every run trigger of a thread, oldest first (R22–R24). */
export async function listRunTriggers(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
): Promise<RunTrigger[]> {
  const rows = await db
    .selectFrom("run_triggers")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .orderBy("created_at")
    .orderBy("generation")
    .execute();
  return rows.map(toRunTrigger);
}

/**
 * The earliest time any trigger becomes claimable (R23): the due time of a `pending` or `retrying`
 * trigger, or the expiry of a claim. Two indexed look-ups; the scheduler arms its timer for it.
 */
export async function nextRunDueAt(db: Kysely<Database>): Promise<number | undefined> {
  const due = await db
    .selectFrom("run_triggers")
    .select((eb) => eb.fn.min("due_at").as("at"))
    .where("status", "in", ["pending", "retrying"])
    .executeTakeFirst();
  const expiry = await db
    .selectFrom("run_triggers")
    .select((eb) => eb.fn.min("claim_expires_at").as("at"))
    .where("status", "=", "claimed")
    .executeTakeFirst();
  const times = [due?.at, expiry?.at].filter((at) => at !== null && at !== undefined).map(Number);
  return times.length === 0 ? undefined : Math.min(...times);
}
