import type { CompiledQuery, Kysely } from "kysely";
import type { ThreadEvent } from "../../protocol/events.js";
import { toJson } from "../mappers.js";
import type { Database } from "../schema.js";

/**
 * The statement rewriting a message's materialized body (R9) as of `event`: its parts, metadata and the fold's
 * open-part state (`null` once the message is finished), stamped with the event's revision and
 * seq so reads know which logged deltas it already holds.
 */
export function writeBodyQuery(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  event: ThreadEvent,
  body: { parts: unknown; metadata: unknown; foldOpen: unknown },
): CompiledQuery {
  return trx
    .updateTable("message_bodies")
    .set({
      parts: JSON.stringify(body.parts),
      metadata: toJson(body.metadata),
      fold_state: toJson(body.foldOpen),
      revision: event.revision ?? 0,
      seq: event.seq,
    })
    .where("workspace_id", "=", workspaceId)
    .where("message_id", "=", messageId)
    .compile();
}
