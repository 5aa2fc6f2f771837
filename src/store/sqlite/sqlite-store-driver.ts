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
 * WAL, `synchronous=NORMAL` (durable across process crashes; the last commits may be lost only on
 * power failure), `busy_timeout`, immediate transactions. A new file is created with
 * `auto_vacuum = INCREMENTAL`, so the pages compaction and thread deletions free go back to the
 * file system (`reclaimFreePages`) instead of staying in the file. `path` is a file path or
 * `:memory:`.
 *
 * @example
 * ```ts
 * const driver = openSqliteDriver("./threadline.db");
 * ```
 */
export function openSqliteDriver(path: string): StoreDriver {
  const sqlite = new BetterSqlite3(path);
  // Only a new, empty file can take it (an existing one would need a full VACUUM).
  const fresh = path !== ":memory:" && sqlite.pragma("page_count", { simple: true }) === 0;
  if (fresh) sqlite.pragma("auto_vacuum = INCREMENTAL");
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
    // Through Kysely's one connection, so it never lands inside another caller's transaction;
    // `exec` steps the pragma to the end (a prepared statement's run() frees one page per call).
    reclaimFreePages: (maxPages) =>
      db.connection().execute(async () => {
        sqlite.exec(`pragma incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
      }),
    close: () => db.destroy(),
  };
}
