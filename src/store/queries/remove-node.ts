import type { Kysely } from "kysely";
import type { NodeIncarnation } from "../node-records.js";
import type { Database } from "../schema.js";

/**
 * Deletes a node's row (R31), guarded in one statement by node id, incarnation and "none of the
 * node's messages is still `streaming`":
 *
 * ```sql
 * delete from nodes where node_id = $id and incarnation = $incarnation
 *   and not exists (select 1 from messages where lease_owner = $id and status = 'streaming')
 * ```
 *
 * Used by a node leaving gracefully (after its writers ended their messages) and by the last step
 * of a takeover. A row that still owns streaming messages is kept: its heartbeat then goes stale
 * and another node takes those messages over. A newer incarnation's row is never deleted.
 * @returns true when the row was deleted.
 */
export async function removeNode(trx: Kysely<Database>, node: NodeIncarnation): Promise<boolean> {
  const result = await trx
    .deleteFrom("nodes")
    .where("node_id", "=", node.nodeId)
    .where("incarnation", "=", node.incarnation)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("messages")
            .select("id")
            .where("lease_owner", "=", node.nodeId)
            .where("status", "=", "streaming"),
        ),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
