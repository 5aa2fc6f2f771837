import BetterSqlite3 from "better-sqlite3";
import { Kysely } from "kysely";
import type { Database } from "../schema.js";
import type { StoreDriver } from "../store-driver.js";
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  type Checkpointer,
  SQLITE_AUTOCHECKPOINT_PAGES,
  startCheckpointer,
} from "./checkpointer.js";
import { RecentEventsMover } from "./recent-events.js";
import { ThreadlineSqliteDialect } from "./sqlite-dialect.js";
import { withStatementCache } from "./statement-cache.js";
import { attachThreadHeads, ThreadHeads } from "./thread-heads.js";

/** A {@link StoreDriver} on SQLite in this thread. */
export interface SqliteStoreDriver extends StoreDriver {
  /** The file's WAL checkpointer thread (none for `:memory:`); a test hook. */
  readonly checkpointer: Checkpointer | undefined;
}

/** How long a connection waits for another process's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the embedded SQLite backend (R26): one writer connection with cached prepared statements,
 * WAL, `synchronous=NORMAL` (durable across process crashes; the last commits may be lost only on
 * power failure), `busy_timeout`, immediate transactions, `temp_store = MEMORY` (statement
 * journals never written to disk). A new file is created with `auto_vacuum = INCREMENTAL`, so the
 * pages compaction and thread deletions free go back to the file system (`reclaimFreePages`)
 * instead of staying in the file. A file gets a checkpointer thread (`checkpointer.ts`), so
 * commits on this thread do not copy the WAL into the database.
 * `path` is a file path or `:memory:`.
 *
 * @throws SQLite's error opening `path` (e.g. code `SQLITE_CANTOPEN`).
 * @example
 * ```ts
 * const driver = await openSqliteDriver("./threadline.db");
 * ```
 */
export async function openSqliteDriver(path: string): Promise<SqliteStoreDriver> {
  const sqlite = new BetterSqlite3(path);
  // Only a new, empty file can take it (an existing one would need a full VACUUM).
  const fresh = path !== ":memory:" && sqlite.pragma("page_count", { simple: true }) === 0;
  if (fresh) sqlite.pragma("auto_vacuum = INCREMENTAL");
  if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // Statement journals (a multi-row statement's undo copy of the pages it re-dirties in a
  // transaction) stay in memory instead of spilling to a temporary file past 64 KiB: a tick's
  // multi-row insert and update no longer write their pages twice (issue 9).
  sqlite.pragma("temp_store = MEMORY");
  let checkpointer: Checkpointer | undefined;
  if (path !== ":memory:") {
    try {
      checkpointer = await startCheckpointer(path, () => {
        // The checkpointer died: the writer checkpoints on its own again.
        sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
      });
    } catch (error) {
      sqlite.close();
      throw error;
    }
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  }
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const threadHeads = new ThreadHeads();
  const db = new Kysely<Database>({
    dialect: new ThreadlineSqliteDialect({ database: withStatementCache(sqlite) }, threadHeads),
  });
  attachThreadHeads(db, threadHeads);
  const recentEvents = new RecentEventsMover(db);
  return {
    capabilities: {
      dialect: "sqlite",
      crossProcessNotify: false,
      skipLocked: false,
      recentEvents: true,
    },
    db,
    checkpointer,
    // One connection and immediate transactions: a transaction already sees a single snapshot.
    readTransaction: (fn) => db.transaction().execute(fn),
    recentEvents,
    // No other process listens; the threads committed to are the next moves of recent events.
    announce: async (_trx, commits) => recentEvents.note(commits),
    announceStop: async () => {},
    listen: async () => async () => {},
    // Through Kysely's one connection, so it never lands inside another caller's transaction;
    // `exec` steps the pragma to the end (a prepared statement's run() frees one page per call).
    reclaimFreePages: (maxPages) =>
      db.connection().execute(async () => {
        sqlite.exec(`pragma incremental_vacuum(${Math.max(1, Math.floor(maxPages))})`);
      }),
    close: async () => {
      await checkpointer?.close();
      await db.destroy();
    },
  };
}
