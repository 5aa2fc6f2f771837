import type { Kysely } from "kysely";
import { ThreadlineError } from "../../errors.js";
import type { ClaimInboundInput, InboundClaim } from "../inbound-records.js";
import type { Database } from "../schema.js";

/** Rounds of insert / read / take over before giving up on a key that keeps changing hands. */
const CLAIM_ROUNDS = 4;

/**
 * Claims an idempotency key (R21; seed 004, multica's dedup claim), inside the caller's transaction:
 *
 * 1. insert a `processing` claim with the request's token — `claimed` when no claim existed;
 * 2. otherwise read it: `processed` answers `processed` (a processed claim never rotates);
 *    `processing` taken at or after `staleBefore` answers `in_flight`;
 * 3. a stale `processing` claim is taken over: `UPDATE … SET token = new WHERE token = old AND
 *    status = 'processing'`. Losing that race (another taker, or the holder finished) re-reads.
 *
 * The old holder's later write fails its own guard (`token = mine`), so its message rolls back.
 *
 * @throws ThreadlineError `conflict` when the key changed hands on every round.
 */
export async function claimInbound(
  trx: Kysely<Database>,
  workspaceId: string,
  input: ClaimInboundInput,
  now: number,
): Promise<InboundClaim> {
  for (let round = 0; round < CLAIM_ROUNDS; round++) {
    const inserted = await trx
      .insertInto("inbound_claims")
      .values({
        workspace_id: workspaceId,
        idempotency_key: input.key,
        thread_id: input.threadId,
        token: input.token,
        status: "processing",
        message_id: null,
        claimed_at: now,
        processed_at: null,
      })
      .onConflict((oc) => oc.doNothing())
      .returning("token")
      .executeTakeFirst();
    if (inserted) return { kind: "claimed", token: input.token, tookOver: false };

    const existing = await trx
      .selectFrom("inbound_claims")
      .selectAll()
      .where("workspace_id", "=", workspaceId)
      .where("idempotency_key", "=", input.key)
      .executeTakeFirst();
    if (!existing) continue; // released meanwhile: insert again
    if (existing.status === "processed" && existing.message_id !== null) {
      return { kind: "processed", threadId: existing.thread_id, messageId: existing.message_id };
    }
    const claimedAt = Number(existing.claimed_at);
    if (claimedAt >= input.staleBefore) return { kind: "in_flight", claimedAt };

    const taken = await trx
      .updateTable("inbound_claims")
      .set({ token: input.token, thread_id: input.threadId, claimed_at: now })
      .where("workspace_id", "=", workspaceId)
      .where("idempotency_key", "=", input.key)
      .where("token", "=", existing.token)
      .where("status", "=", "processing")
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 1) {
      return { kind: "claimed", token: input.token, tookOver: true };
    }
  }
  throw new ThreadlineError(
    "conflict",
    `idempotency key ${JSON.stringify(input.key)} keeps changing hands; retry later`,
    { details: { reason: "in_flight" } },
  );
}
