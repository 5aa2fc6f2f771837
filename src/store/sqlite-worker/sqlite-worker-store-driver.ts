import type { Worker } from "node:worker_threads";
import { Kysely, sql } from "kysely";
import type { Database } from "../schema.js";
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  type Checkpointer,
  SQLITE_AUTOCHECKPOINT_PAGES,
  startCheckpointer,
} from "../sqlite/checkpointer.js";
import { RecentEventsMover } from "../sqlite/recent-events.js";
import type { StoreDriver } from "../store-driver.js";
import { SqliteWorkerConnection } from "./sqlite-worker-connection.js";
import { SqliteWorkerDialect } from "./sqlite-worker-dialect.js";
import type { WorkerThreadOptions } from "./worker-thread.js";

/** How long a connection waits for another process's write lock before failing (ms). */
const BUSY_TIMEOUT_MS = 5_000;

/** Prepared statements kept by the worker (as `../sqlite/statement-cache.ts` keeps). */
const MAX_STATEMENTS = 256;

/**
 * The table in which each worker-backed connection records its last commit (one row per open
 * store, deleted at close), so that a commit whose reply a worker crash swallowed is decided rather
 * than guessed. Outside the migrations: it belongs to this driver, not to the schema.
 */
const MARKER_TABLE = "threadline_worker_commits";

/** A {@link StoreDriver} whose SQLite connection lives in a worker thread. */
export interface SqliteWorkerStoreDriver extends StoreDriver {
  /** The worker running the connection now, if any (a test hook: terminate it to crash it). */
  readonly worker: Worker | undefined;
  /** The file's WAL checkpointer thread (none for `:memory:`); a test hook. */
  readonly checkpointer: Checkpointer | undefined;
}

/**
 * Opens the embedded SQLite backend (R26) with its connection in a worker thread (issue 9), so a
 * commit never blocks the event loop: the same pragmas as the in-thread driver (WAL,
 * `synchronous=NORMAL`, `busy_timeout`, `temp_store = MEMORY`, `auto_vacuum = INCREMENTAL` for a
 * new file), the same statement cache and `BEGIN IMMEDIATE` transactions, and the same
 * checkpointer thread for a file (`../sqlite/checkpointer.ts`); a statement is one message to the
 * worker and one back, and a writer tick's statements share two (`../queries/batch.ts`). `path`
 * is a file path or `:memory:`.
 *
 * A worker that dies fails the statements waiting on it with `unavailable` (transient, caused by
 * `ERR_SQLITE_WORKER_EXITED`: writers keep their changes and retry, R30) and is restarted on the
 * next statement; an in-memory database cannot be, and fails every later statement with `internal`.
 * `close()` lets the queued statements run, then closes the database; later statements fail with
 * `closed`.
 *
 * @throws SQLite's error opening `path` (e.g. code `SQLITE_CANTOPEN`).
 * @example
 * ```ts
 * const driver = await openSqliteWorkerDriver("./threadline.db");
 * const store = new KyselyStore(driver);
 * ```
 */
export async function openSqliteWorkerDriver(path: string): Promise<SqliteWorkerStoreDriver> {
  const options: WorkerThreadOptions = {
    path,
    busyTimeoutMs: BUSY_TIMEOUT_MS,
    maxStatements: MAX_STATEMENTS,
    markerTable: path === ":memory:" ? null : MARKER_TABLE,
    autoCheckpointPages: path === ":memory:" ? undefined : BACKSTOP_AUTOCHECKPOINT_PAGES,
  };
  const connection = new SqliteWorkerConnection(options);
  await connection.open();
  const dialect = new SqliteWorkerDialect(connection);
  const db = new Kysely<Database>({ dialect });
  let checkpointer: Checkpointer | undefined;
  if (path !== ":memory:") {
    try {
      checkpointer = await startCheckpointer(path, () => {
        // The checkpointer died: the writer checkpoints on its own again (a restarted worker too).
        options.autoCheckpointPages = SQLITE_AUTOCHECKPOINT_PAGES;
        void sql
          .raw(`pragma wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`)
          .execute(db)
          .catch(() => {});
      });
    } catch (error) {
      await dialect.driver.destroy();
      throw error;
    }
  }
  return new SqliteWorkerDriverHandle(connection, dialect, db, checkpointer);
}

class SqliteWorkerDriverHandle implements SqliteWorkerStoreDriver {
  readonly capabilities = {
    dialect: "sqlite",
    crossProcessNotify: false,
    skipLocked: false,
    recentEvents: true,
  } as const;

  constructor(
    private readonly connection: SqliteWorkerConnection,
    private readonly dialect: SqliteWorkerDialect,
    readonly db: Kysely<Database>,
    readonly checkpointer: Checkpointer | undefined,
  ) {
    this.recentEvents = new RecentEventsMover(db);
  }

  get worker(): Worker | undefined {
    return this.connection.worker;
  }

  // One connection and immediate transactions: a transaction already sees a single snapshot.
  readTransaction: StoreDriver["readTransaction"] = (fn) => this.db.transaction().execute(fn);
  readonly recentEvents: RecentEventsMover;
  // No other process listens; the threads committed to are the next moves of recent events.
  announce: StoreDriver["announce"] = async (_trx, commits) => this.recentEvents.note(commits);
  announceStop = async () => {};
  listen = async () => async () => {};
  reclaimFreePages = (maxPages: number) =>
    this.db.connection().execute(() => this.connection.reclaimFreePages(maxPages));

  /**
   * Lets the statements queued before it run, then closes the database and ends the worker. The
   * driver is closed directly rather than through `db.destroy()`, so that a later statement fails
   * with Threadline's `closed` instead of Kysely's "driver has already been destroyed".
   */
  async close(): Promise<void> {
    await this.checkpointer?.close();
    await this.dialect.driver.destroy();
  }
}
