import type { Kysely } from "kysely";
import type { PurgeCounts } from "../inbound-records.js";
import type { Database } from "../schema.js";

/**
 * The retention purge (R25; a gap of seed 004, whose claims were never purged): deletes
 * idempotency claims processed before `before` (a replay of such a key then stores a new message),
 * claims left `processing` since before it (their request died long ago), and triggers that
 * reached a final state (`fired`, `declined`, `failed`) before it. Pending, claimed and retrying
 * triggers are never purged.
 */
export async function purgeInbound(db: Kysely<Database>, before: number): Promise<PurgeCounts> {
  const claims = await db
    .deleteFrom("inbound_claims")
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "processed"), eb("processed_at", "<", before)]),
        eb.and([eb("status", "=", "processing"), eb("claimed_at", "<", before)]),
      ]),
    )
    .executeTakeFirst();
  const triggers = await db
    .deleteFrom("run_triggers")
    .where("status", "in", ["fired", "declined", "failed"])
    .where("finished_at", "<", before)
    .executeTakeFirst();
  return { claims: Number(claims.numDeletedRows), triggers: Number(triggers.numDeletedRows) };
}
