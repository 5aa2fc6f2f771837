import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";
import type { StoreDriver } from "../store-driver.js";
import { openPostgresKysely, type PostgresSettings } from "./postgres-dialect.js";
import { announceCommits, announceStop, channelFor, listenForCommits } from "./postgres-notify.js";

/**
 * Opens the PostgreSQL backend (R26): a pool shared by every query, `REPEATABLE READ` snapshots,
 * row locks for claims, and `LISTEN/NOTIFY` so several Threadline nodes on one database see each
 * other's commits. `nodeId` lets a node ignore its own announcements.
 *
 * @example
 * ```ts
 * const driver = await openPostgresDriver({ connectionString: "postgres://root@127.0.0.1/test" }, "node-1");
 * ```
 */
export async function openPostgresDriver(
  settings: PostgresSettings,
  nodeId: string,
): Promise<StoreDriver> {
  const { db } = openPostgresKysely(settings);
  if (settings.schema) await createSchema(db, settings.schema);
  const channel = channelFor(settings.schema);
  return {
    capabilities: {
      dialect: "postgres",
      crossProcessNotify: true,
      skipLocked: true,
      recentEvents: false,
    },
    db,
    schema: settings.schema ?? "public",
    readTransaction: (fn) => db.transaction().setIsolationLevel("repeatable read").execute(fn),
    announce: (trx, commits) => announceCommits(trx, channel, nodeId, commits),
    announceStop: (request) => announceStop(db, channel, nodeId, request),
    listen: (handlers) => listenForCommits(settings, channel, nodeId, handlers),
    close: () => db.destroy(),
  };
}

/**
 * Creates `schema` unless it exists. `create schema if not exists` alone is not safe against
 * itself: two sessions creating the same new schema at once fail one with a unique violation
 * (nodes started together on a new database, R26), so creators take a transaction-scoped advisory
 * lock keyed by the schema's name first and the second one finds the schema made.
 */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`threadline create schema ${schema}`}))`.execute(
      trx,
    );
    await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
  });
}
