import type { Kysely } from "kysely";
import { toThread } from "../mappers.js";
import type { Database } from "../schema.js";
import type { ExpiredThread, ExpiredThreadQuery } from "../store.js";

/**
 * Threads whose last update (`updated_at`: their newest event, R25) is older than
 * `query.updatedBefore` (ms), oldest first, in one workspace or all (but those of
 * `query.exceptWorkspaceIds`), `query.limit` at a time from after `query.after` (keyset: updated
 * time, workspace, id). A plain read: the deletion re-checks the age under its guard
 * ({@link beginThreadDeletion}).
 */
export async function findExpiredThreads(
  db: Kysely<Database>,
  query: ExpiredThreadQuery,
): Promise<ExpiredThread[]> {
  const { after } = query;
  const rows = await db
    .selectFrom("threads")
    .selectAll()
    .where("updated_at", "<", query.updatedBefore)
    .$if(query.workspaceId !== undefined, (qb) =>
      qb.where("workspace_id", "=", query.workspaceId ?? ""),
    )
    .$if((query.exceptWorkspaceIds?.length ?? 0) > 0, (qb) =>
      qb.where("workspace_id", "not in", query.exceptWorkspaceIds ?? []),
    )
    .$if(after !== undefined, (qb) =>
      qb.where((eb) =>
        eb.or([
          eb("updated_at", ">", after?.updatedAt ?? 0),
          eb.and([
            eb("updated_at", "=", after?.updatedAt ?? 0),
            eb.or([
              eb("workspace_id", ">", after?.workspaceId ?? ""),
              eb.and([
                eb("workspace_id", "=", after?.workspaceId ?? ""),
                eb("id", ">", after?.threadId ?? ""),
              ]),
            ]),
          ]),
        ]),
      ),
    )
    .orderBy("updated_at")
    .orderBy("workspace_id")
    .orderBy("id")
    .limit(query.limit)
    .execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, thread: toThread(row) }));
}
