import { type Kysely, sql } from "kysely";
import type { ArmedTrigger, ArmTriggerInput } from "../inbound-records.js";
import { toJson } from "../mappers.js";
import type { Database } from "../schema.js";

/**
 * (Re)arms a thread's run trigger (R22; seed 004, multica's `pendingBatcher.Schedule`) inside the
 * transaction that stores the user message, so a stored message always has a durable trigger
 * (R23). One upsert on the partial unique index "one `pending` trigger per thread":
 *
 * - no pending trigger → a new one, generation 1, due at `dueAt`;
 * - a pending one → the window moves: `due_at = dueAt`, `generation + 1`, options replaced by the
 *   message's (when it gave any), `force_fresh` OR-ed (sticky for the window), `armed_by` updated.
 *
 * A trigger being delivered (`claimed`) or awaiting a retry is not `pending`, so it is never
 * mutated: the message starts a new pending trigger (a receiver may already have seen the old
 * trigger's id).
 */
export async function armRunTrigger(
  trx: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  input: ArmTriggerInput,
  now: number,
): Promise<ArmedTrigger> {
  const row = await trx
    .insertInto("run_triggers")
    .values({
      workspace_id: workspaceId,
      thread_id: threadId,
      trigger_id: input.triggerId,
      generation: 1,
      status: "pending",
      due_at: input.dueAt,
      options: toJson(input.options),
      force_fresh: input.forceFresh ? 1 : 0,
      attempts: 0,
      last_error: null,
      claim_owner: null,
      claim_expires_at: null,
      armed_by: input.armedBy,
      created_at: now,
      fired_at: null,
      finished_at: null,
    })
    .onConflict((oc) =>
      oc
        .columns(["workspace_id", "thread_id"])
        // The partial index's own predicate, as a literal: PostgreSQL infers the index from it.
        .where(sql<boolean>`status = 'pending'`)
        .doUpdateSet((eb) => ({
          due_at: eb.ref("excluded.due_at"),
          generation: sql<number>`run_triggers.generation + 1`,
          options: eb.fn.coalesce("excluded.options", sql<string | null>`run_triggers.options`),
          force_fresh: sql<number>`case when run_triggers.force_fresh = 1 or excluded.force_fresh = 1 then 1 else 0 end`,
          armed_by: eb.ref("excluded.armed_by"),
        })),
    )
    .returning(["trigger_id", "generation", "due_at"])
    .executeTakeFirstOrThrow();
  return {
    triggerId: row.trigger_id,
    generation: Number(row.generation),
    dueAt: Number(row.due_at),
  };
}
