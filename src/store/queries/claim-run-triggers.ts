import type { Kysely } from "kysely";
import type { ClaimRunTriggersInput, RunTrigger } from "../inbound-records.js";
import { toRunTrigger } from "../mappers.js";
import type { Database } from "../schema.js";

/**
 * Claims run triggers for delivery in one guarded statement (R23; graphile-worker's `getJobs`):
 *
 * ```sql
 * update run_triggers set status = 'claimed', claim_owner = $owner,
 *   claim_expires_at = $expires, generation = generation + 1
 * where (workspace_id, trigger_id) in (
 *   select workspace_id, trigger_id from run_triggers
 *   where (status in ('pending', 'retrying') and due_at <= $now)
 *      or (status = 'claimed' and claim_expires_at <= $now)
 *      [or (status = 'pending' and armed_by = $armedBy)]
 *   order by due_at limit $limit
 *   [for update skip locked])
 * returning *
 * ```
 *
 * With `skipLocked` (PostgreSQL) concurrent claimers on several nodes skip each other's rows; without
 * it (SQLite) the immediate transaction already serializes them. Either way a trigger is claimed
 * by one node at a time, and each claim has a generation of its own — the fence its completion
 * must match. A claim holds until just before `claim_expires_at`. A claim whose node died expires and is claimed again, so the trigger still fires.
 */
export async function claimRunTriggers(
  trx: Kysely<Database>,
  input: ClaimRunTriggersInput,
  options: { skipLocked: boolean },
): Promise<RunTrigger[]> {
  const { now, armedBy } = input;
  const claimable = trx
    .selectFrom("run_triggers")
    .select(["workspace_id", "trigger_id"])
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "in", ["pending", "retrying"]), eb("due_at", "<=", now)]),
        eb.and([eb("status", "=", "claimed"), eb("claim_expires_at", "<=", now)]),
        ...(armedBy === undefined
          ? []
          : [eb.and([eb("status", "=", "pending"), eb("armed_by", "=", armedBy)])]),
      ]),
    )
    .orderBy("due_at")
    .limit(input.limit)
    .$if(options.skipLocked, (qb) => qb.forUpdate().skipLocked())
    .$asTuple("workspace_id", "trigger_id");
  const rows = await trx
    .updateTable("run_triggers")
    .set((eb) => ({
      status: "claimed",
      claim_owner: input.owner,
      claim_expires_at: input.claimExpiresAt,
      generation: eb("generation", "+", 1),
    }))
    .where(({ eb, refTuple }) => eb(refTuple("workspace_id", "trigger_id"), "in", claimable))
    .returningAll()
    .execute();
  return rows.map(toRunTrigger).sort((a, b) => a.dueAt - b.dueAt);
}
