import BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { StoreDriver } from "../store-driver.js";
import { ThreadlineSqliteDialect } from "./sqlite-dialect.js";
import { withStatementCache } from "./statement-cache.js";

/** How long a connection waits for another process's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the embedded SQLite backend (R26): one writer connection with cached prepared statements,
 * WAL, `synchronous=NORMAL`
 * (durable across process crashes; the last commits may be lost only on power failure),
 * `busy_timeout`, immediate transactions. `path` is a file path or `:memory:`.
 *
 * @example
 * ```ts
 * const driver = openSqliteDriver("./threadline.db");
 * ```
 */
export function openSqliteDriver(path: string): StoreDriver {
  const sqlite = new BetterSqlite3(path);
  if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const db = new Kysely<Database>({
    dialect: new ThreadlineSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    capabilities: { dialect: "sqlite", crossProcessNotify: false, skipLocked: false },
    db,
    // One connection and immediate transactions: a transaction already sees a single snapshot.
    readTransaction: (fn) => db.transaction().execute(fn),
    announce: async () => {},
    announceStop: async () => {},
    listen: async () => async () => {},
    close: () => db.destroy(),
  };
}
