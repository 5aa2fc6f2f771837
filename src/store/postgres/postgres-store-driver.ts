import { sql } from "kysely";
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
  if (settings.schema)
    await sql`create schema if not exists ${sql.id(settings.schema)}`.execute(db);
  const channel = channelFor(settings.schema);
  return {
    capabilities: { dialect: "postgres", crossProcessNotify: true, skipLocked: true },
    db,
    schema: settings.schema ?? "public",
    readTransaction: (fn) => db.transaction().setIsolationLevel("repeatable read").execute(fn),
    announce: (trx, commits) => announceCommits(trx, channel, nodeId, commits),
    announceStop: (request) => announceStop(db, channel, nodeId, request),
    listen: (handlers) => listenForCommits(settings, channel, nodeId, handlers),
    close: () => db.destroy(),
  };
}
