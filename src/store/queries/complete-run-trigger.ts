import type { Kysely } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import type { RunCompletion, RunTrigger } from "../inbound-records.js";
import type { Database, RunTriggerRow } from "../schema.js";
import { appendEvents } from "./append-events.js";
import { createMessage } from "./create-message.js";

/**
 * Ends one delivery attempt of a claimed trigger (R22–R24), inside the caller's transaction. The
 * update is guarded by `trigger_id`, `claim_owner`, `generation` and `status = 'claimed'` — the
 * generation fence: only the claim that is current may complete it. A claim that expired and was
 * claimed again (by this node or another) has a newer generation, so the stale completion matches
 * nothing, writes nothing and returns `applied: false`.
 *
 * - `fired` appends `run.triggered` `{ triggerId, messageIds, forceFresh }` to the thread's log;
 * - `declined` stores the system notice message (a `system` message arms no trigger);
 * - `retry` makes the trigger due again at `dueAt` (`retrying`, not re-armable);
 * - `failed` keeps the trigger as `failed` with its last error.
 */
export async function completeRunTrigger(
  trx: Kysely<Database>,
  trigger: RunTrigger,
  completion: RunCompletion,
  now: number,
): Promise<{ applied: boolean; events: ThreadEvent[] }> {
  const result = await trx
    .updateTable("run_triggers")
    .set((eb) => ({ ...changesOf(completion, now), attempts: eb("attempts", "+", 1) }))
    .where("workspace_id", "=", trigger.workspaceId)
    .where("trigger_id", "=", trigger.triggerId)
    .where("claim_owner", "=", trigger.claimOwner)
    .where("generation", "=", trigger.generation)
    .where("status", "=", "claimed")
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return { applied: false, events: [] };

  if (completion.kind === "fired") {
    const [event] = await appendEvents(
      trx,
      [
        {
          workspaceId: trigger.workspaceId,
          threadId: trigger.threadId,
          type: "run.triggered",
          messageId: null,
          revision: null,
          data: {
            triggerId: trigger.triggerId,
            messageIds: completion.messageIds,
            forceFresh: trigger.forceFresh,
          },
        },
      ],
      now,
    );
    return { applied: true, events: event ? [event] : [] };
  }
  if (completion.kind === "declined") {
    const { event } = await createMessage(trx, trigger.workspaceId, completion.notice, now);
    return { applied: true, events: [event] };
  }
  return { applied: true, events: [] };
}

function changesOf(completion: RunCompletion, now: number): Partial<RunTriggerRow> {
  switch (completion.kind) {
    case "fired":
      return { status: "fired", fired_at: now, finished_at: now, last_error: null };
    case "declined":
      return { status: "declined", finished_at: now, last_error: completion.reason };
    case "retry":
      return {
        status: "retrying",
        due_at: completion.dueAt,
        claim_expires_at: null,
        last_error: completion.error,
      };
    case "failed":
      return { status: "failed", finished_at: now, last_error: completion.error };
  }
}
