import { type Kysely, sql } from "kysely";
import { finalizeMessage } from "../../message/finalize.js";
import type { UIMessageChunk } from "../../message/types.js";
import type { ThreadEvent } from "../../protocol/events.js";
import type { Database } from "../schema.js";
import type { SweepScope } from "../store.js";
import { commitWrites } from "./commit-writes.js";
import { readMessage } from "./read-messages.js";

/** Error text of a message the crash sweep finalized (R18). */
export const LEASE_EXPIRED_TEXT =
  "The writer of this message stopped before it finished (lease expired).";

/**
 * Extends the lease of every message `owner` is streaming (R18). Guarded by owner and status, so a
 * message finalized meanwhile is not touched.
 * @returns the number of leases renewed.
 */
export async function renewLeases(
  db: Kysely<Database>,
  owner: string,
  expiresAt: number,
  now: number,
): Promise<number> {
  const result = await db
    .updateTable("messages")
    .set({ lease_expires_at: expiresAt, updated_at: now })
    .where("lease_owner", "=", owner)
    .where("status", "=", "streaming")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A message's writer lease (R18): owner node id and expiry (ms); undefined for no such message. */
export async function readLease(
  db: Kysely<Database>,
  workspaceId: string,
  messageId: string,
): Promise<{ owner: string | null; expiresAt: number | null } | undefined> {
  const row = await db
    .selectFrom("messages")
    .select(["lease_owner", "lease_expires_at"])
    .where("workspace_id", "=", workspaceId)
    .where("id", "=", messageId)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    owner: row.lease_owner,
    expiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
  };
}

/**
 * Streaming messages whose lease expired before `now`, oldest lease first (`now` =
 * `Number.MAX_SAFE_INTEGER`: every streaming message, R31), except those `exceptOwner` holds.
 */
export async function findExpiredLeases(
  db: Kysely<Database>,
  now: number,
  limit: number,
  exceptOwner?: string,
): Promise<{ workspaceId: string; id: string }[]> {
  const rows = await db
    .selectFrom("messages")
    .select(["workspace_id", "id"])
    .where("status", "=", "streaming")
    .where((eb) => eb.or([eb("lease_expires_at", "is", null), eb("lease_expires_at", "<", now)]))
    .$if(exceptOwner !== undefined, (qb) =>
      qb.where((eb) =>
        eb.or([eb("lease_owner", "is", null), eb("lease_owner", "<>", exceptOwner ?? "")]),
      ),
    )
    .orderBy("lease_expires_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ workspaceId: r.workspace_id, id: r.id }));
}

/**
 * Finalizes one message `aborted` if, inside this transaction, it is still streaming with a lease
 * that expired before `now` (R18), or before `scope.leaseExpiredBefore` with `scope.errorText` and
 * abort `reason` when a scope is given (R31: a restarted SQLite process passes
 * `Number.MAX_SAFE_INTEGER`). Its partial parts are kept and unpaired tool calls get a
 * synthetic `output-error` (R16). Losing the race (the writer renewed its lease or finished first,
 * or the message was deleted) returns undefined and changes nothing.
 */
export function sweepExpiredLease(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  now: number,
  options: { lockRow: boolean; scope?: SweepScope },
): Promise<ThreadEvent | undefined> {
  const scope = options.scope ?? {};
  return abortOrphanedMessage(trx, workspaceId, messageId, now, {
    lockRow: options.lockRow,
    leaseExpiredBefore: scope.leaseExpiredBefore ?? now,
    errorText: scope.errorText ?? LEASE_EXPIRED_TEXT,
    chunk: scope.reason === undefined ? { type: "abort" } : { type: "abort", reason: scope.reason },
  });
}

/**
 * Finalizes `aborted` a streaming message that no live writer can finish: the crash sweep's
 * expired leases (R18), and a stop request for a message whose writer is gone (R28); or `error`
 * (`options.status`) a message whose own writer proved that its changes cannot be stored (R30).
 * The final parts are those already committed: nothing of the refused changes is kept. Guard, in the
 * same statement: `status = 'streaming'` and a lease that expired before `leaseExpiredBefore`
 * (pass `Number.MAX_SAFE_INTEGER` where no other process can hold a lease: the single-writer
 * SQLite file, R31).
 * Partial parts are kept and unpaired tool calls get a synthetic `output-error` (R16). Losing the
 * race (the writer finished or renewed first, or the message was deleted) returns undefined and
 * changes nothing.
 */
export async function abortOrphanedMessage(
  trx: Kysely<Database>,
  workspaceId: string,
  messageId: string,
  now: number,
  options: {
    lockRow: boolean;
    leaseExpiredBefore: number;
    errorText?: string;
    chunk: UIMessageChunk;
    /** The terminal status (default `aborted`; `error` for a message whose data the database refused, R30). */
    status?: "aborted" | "error";
  },
): Promise<ThreadEvent | undefined> {
  const status = options.status ?? "aborted";
  if (options.lockRow) {
    // Hold the message's thread first, then the message, while reading its parts: a writer's tick
    // takes the thread's row lock before it reads its guard (commit-writes.ts), so no delta commits
    // between this read and the terminal write, and both take the locks in the same order.
    await sql`select id from threads
      where workspace_id = ${workspaceId}
        and id = (select thread_id from messages where workspace_id = ${workspaceId} and id = ${messageId})
      for update`.execute(trx);
    await trx
      .selectFrom("messages")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .where("id", "=", messageId)
      .forUpdate()
      .execute();
  }
  const current = await readMessage(trx, workspaceId, messageId);
  if (current?.status !== "streaming") return undefined;
  const final = finalizeMessage(current, status, options.errorText);
  const [outcome] = await commitWrites(
    trx,
    [
      {
        kind: "finish",
        workspaceId,
        threadId: current.threadId,
        messageId,
        revision: current.revision + 1,
        status,
        ...(options.errorText === undefined ? {} : { errorText: options.errorText }),
        message: final,
        chunks: [options.chunk],
        leaseExpiredBefore: options.leaseExpiredBefore,
      },
    ],
    now,
  );
  return outcome?.applied ? outcome.event : undefined;
}
