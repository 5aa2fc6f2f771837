import type { Kysely } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import { toEvent } from "../mappers.js";
import type { Database } from "../schema.js";

/**
 * Reads a thread's log in seq order: events with `afterSeq < seq` (and `seq <= upToSeq` when
 * given), at most `limit` of them when given. Used for subscription catch-up (R11, R12) and forks
 * (R19).
 */
export async function readEventRange(
  db: Kysely<Database>,
  workspaceId: string,
  threadId: string,
  range: { afterSeq: number; upToSeq?: number; limit?: number },
): Promise<ThreadEvent[]> {
  const rows = await db
    .selectFrom("events")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("thread_id", "=", threadId)
    .where("seq", ">", range.afterSeq)
    .$if(range.upToSeq !== undefined, (qb) => qb.where("seq", "<=", range.upToSeq ?? 0))
    .orderBy("seq")
    .$if(range.limit !== undefined, (qb) => qb.limit(range.limit ?? 0))
    .execute();
  return rows.map(toEvent);
}
