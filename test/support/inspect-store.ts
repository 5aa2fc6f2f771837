/**
 * Reads of tables no `Store` method exposes, for tests only: what a test asserts about idempotency
 * claims (R21) and run triggers (R22–R24) that the library itself never reads back. They go
 * through the store's own connection, so they see an in-memory SQLite database and a worker-thread
 * one alike.
 */
import type { Kysely } from "kysely";
import type { InboundClaimRecord, RunTrigger } from "../../src/store/inbound-records.js";
import { KyselyStore } from "../../src/store/kysely-store.js";
import * as readInbound from "../../src/store/queries/read-inbound.js";
import type { Database } from "../../src/store/schema.js";
import { RECENT_EVENTS_MAX_CYCLE_STEPS } from "../../src/store/sqlite/recent-events.js";
import type { Store } from "../../src/store/store.js";

/**
 * The Kysely instance `store` runs its queries on.
 * @throws Error when `store` is not the {@link KyselyStore} `openStore` (and so every Threadline a
 *   test opens without its own `store` option) returns.
 */
export function databaseOf(store: Store): Kysely<Database> {
  if (!(store instanceof KyselyStore)) {
    throw new Error("inspecting tables needs the KyselyStore that openStore returns");
  }
  return store.driver.db;
}

/**
 * Moves every recent event into the log on a store that keeps them apart (SQLite, migration 7):
 * two of the longest cycles of {@link Store.moveRecentEvents} steps (what the upkeep does within
 * eight seconds) — for a test that measures the log's own table. Nothing on PostgreSQL.
 * @returns how many events moved.
 */
export async function moveAllRecentEvents(store: Store): Promise<number> {
  let moved = 0;
  for (let step = 0; step < 2 * RECENT_EVENTS_MAX_CYCLE_STEPS; step++) {
    moved += await store.moveRecentEvents();
  }
  return moved;
}

/**
 * One idempotency claim (R21) as stored; undefined when there is none (never claimed, released,
 * or purged, R25).
 *
 * @example
 * ```ts
 * const claim = await getInboundClaim(threadline.store, "default", "k");
 * expect(claim).toMatchObject({ status: "processed" });
 * ```
 */
export function getInboundClaim(
  store: Store,
  workspaceId: string,
  key: string,
): Promise<InboundClaimRecord | undefined> {
  return readInbound.getInboundClaim(databaseOf(store), workspaceId, key);
}

/**
 * Every run trigger of a thread (R22–R24), oldest first (by creation, then generation); empty
 * once the thread is deleted (R20) or its finished triggers are purged (R25).
 *
 * @example
 * ```ts
 * const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
 * expect(trigger?.status).toBe("fired");
 * ```
 */
export function listRunTriggers(
  store: Store,
  workspaceId: string,
  threadId: string,
): Promise<RunTrigger[]> {
  return readInbound.listRunTriggers(databaseOf(store), workspaceId, threadId);
}
