/**
 * The worker thread of the worker-backed SQLite driver (issue 9: SQLite I/O off the event loop).
 * It owns the one better-sqlite3 connection and runs, one at a time, the statements the main
 * thread posts (see `worker-protocol.ts` for the messages and `worker-thread.ts` for the other
 * side).
 *
 * Plain JavaScript on purpose: a worker is started by Node itself, which neither vitest nor tsx
 * transpiles for, so the same file runs from `src/` (tests, `tsx`) and from `dist/` (copied there
 * by `scripts/copy-assets.mjs`). For the same reason it cannot import the in-thread driver's
 * TypeScript, and keeps its own copy of two small pieces of it: the pragmas of
 * `../sqlite/sqlite-store-driver.ts` and the statement cache of `../sqlite/statement-cache.ts`
 * (change them together).
 *
 * workerData: `{ path: string, busyTimeoutMs: number, maxStatements: number, markerTable: string | null,
 *   autoCheckpointPages?: number }`.
 */
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

/** @typedef {import("./worker-protocol.js").WorkerRequest} WorkerRequest */
/** @typedef {import("./worker-protocol.js").WorkerReply} WorkerReply */

const { path, busyTimeoutMs, maxStatements, markerTable, autoCheckpointPages } = workerData;
const port = /** @type {import("node:worker_threads").MessagePort} */ (parentPort);

/** @type {import("better-sqlite3").Database} */
let db;
try {
  db = new BetterSqlite3(path);
  // Only a new, empty file can take it (an existing one would need a full VACUUM).
  const fresh = path !== ":memory:" && db.pragma("page_count", { simple: true }) === 0;
  if (fresh) db.pragma("auto_vacuum = INCREMENTAL");
  if (path !== ":memory:") db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("temp_store = MEMORY");
  if (autoCheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${autoCheckpointPages}`);
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  if (markerTable) {
    db.exec(
      `create table if not exists ${markerTable} (driver text primary key, txn integer not null)`,
    );
  }
} catch (error) {
  port.postMessage({ op: "open-failed", error: toWireError(error) });
  process.exit(1);
}
port.postMessage({ op: "ready" });

/**
 * Prepared statements per SQL text, least recently used evicted first (as in
 * `../sqlite/statement-cache.ts`: preparing was 14% of a tick's commit time at 800 streams).
 * @type {Map<string, import("better-sqlite3").Statement>}
 */
const statements = new Map();

/** @param {string} sql */
function prepare(sql) {
  let statement = statements.get(sql);
  if (statement) {
    statements.delete(sql); // re-inserted below: most recently used last
  } else {
    statement = db.prepare(sql);
    if (statements.size >= maxStatements) {
      const oldest = statements.keys().next().value;
      if (oldest !== undefined) statements.delete(oldest);
    }
  }
  statements.set(sql, statement);
  return statement;
}

/** Test hook: die right after the next commit, before replying (a commit whose outcome is unknown). */
let crashAfterCommit = false;

/** True once a statement that may write ran in the open transaction (then a commit records its marker). */
let wrote = false;

/**
 * The error of a pipelined request (one the main thread sent without waiting for its reply) that
 * failed inside the open transaction: every later request of that transaction fails with it, so a
 * failed `begin` never lets the statements after it run outside a transaction and a failed
 * pipelined write never lets the `commit` after it commit. Cleared by the rollback.
 * @type {import("./worker-protocol.js").WireError | undefined}
 */
let poisoned;

/**
 * Runs one statement; its rows when it returns any (`stmt.reader`), otherwise what it changed.
 * @param {string} sql
 * @param {readonly unknown[]} params
 * @returns {{ rows: unknown[] } | { changes: number, lastInsertRowid: number | bigint }}
 */
function run(sql, params) {
  const statement = prepare(sql);
  if (!statement.readonly) wrote = true;
  if (statement.reader) return { rows: statement.all(params) };
  const { changes, lastInsertRowid } = statement.run(params);
  return { changes, lastInsertRowid };
}

/** `PRAGMA data_version` when the thread rows were last known to hold every head. */
let dataVersion;

/**
 * At a transaction's begin: when another connection committed since the last one (or on the
 * first), writes into each thread row the newest seq `events_recent` holds for it where the row is
 * behind — a process with the in-thread driver may have left heads only there (its
 * `../sqlite/thread-heads.ts`, whose `RECONCILE_HEADS` this copies). This driver writes every head
 * into its row itself.
 */
function reconcileHeads() {
  const version = prepare("pragma data_version").get().data_version;
  if (version === dataVersion) return;
  const migrated = prepare(
    "select 1 from sqlite_master where type = 'table' and name = 'events_recent'",
  ).get();
  if (migrated) {
    prepare(`update threads set head_seq = r.newest
      from (select workspace_id, thread_id, max(seq) as newest from events_recent
            group by workspace_id, thread_id) as r
      where threads.workspace_id = r.workspace_id and threads.id = r.thread_id
        and threads.head_seq < r.newest`).run();
  }
  dataVersion = version;
}

/**
 * @param {WorkerRequest} request
 * @returns {WorkerReply}
 */
function handle(request) {
  if (poisoned && request.op !== "rollback" && request.op !== "close") {
    return { id: request.id, error: poisoned };
  }
  try {
    return handleHealthy(request);
  } catch (error) {
    const wire = toWireError(error);
    if ("pipelined" in request && request.pipelined && (request.op === "begin" || db.inTransaction))
      poisoned = wire;
    return { id: request.id, error: wire };
  }
}

/**
 * @param {WorkerRequest} request
 * @returns {WorkerReply}
 */
function handleHealthy(request) {
  switch (request.op) {
    case "query":
      return { id: request.id, ...run(request.sql, request.params) };
    case "batch":
      return {
        id: request.id,
        results: request.statements.map(({ sql, params }) => run(sql, params)),
      };
    case "begin":
      prepare("begin immediate").run();
      wrote = false;
      try {
        reconcileHeads();
      } catch (error) {
        prepare("rollback").run();
        throw error;
      }
      return { id: request.id, changes: 0, lastInsertRowid: 0 };
    case "commit":
      // The marker makes a commit whose reply a crash swallowed decidable (see `committed`).
      if (wrote && markerTable && db.inTransaction) {
        prepare(
          `insert into ${markerTable} (driver, txn) values (?, ?) on conflict (driver) do update set txn = excluded.txn`,
        ).run(request.driver, request.txn);
      }
      wrote = false;
      prepare("commit").run();
      if (crashAfterCommit) process.exit(7);
      return { id: request.id, changes: 0, lastInsertRowid: 0 };
    case "rollback":
      // SQLite ends the transaction itself after SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM and some
      // SQLITE_BUSY errors; a second rollback would fail and hide the error that says why (R30).
      poisoned = undefined;
      if (db.inTransaction) prepare("rollback").run();
      wrote = false;
      return { id: request.id, changes: 0, lastInsertRowid: 0 };
    case "committed": {
      const row = markerTable
        ? prepare(`select txn from ${markerTable} where driver = ?`).get(request.driver)
        : undefined;
      const txn = /** @type {{ txn: number } | undefined} */ (row)?.txn;
      return { id: request.id, rows: [{ committed: txn === request.txn }] };
    }
    case "reclaim":
      // `exec` steps the pragma to the end (a prepared statement's run() frees one page per call).
      db.exec(`pragma incremental_vacuum(${Math.max(1, Math.floor(request.maxPages))})`);
      return { id: request.id, changes: 0, lastInsertRowid: 0 };
    case "close":
      try {
        if (markerTable) prepare(`delete from ${markerTable} where driver = ?`).run(request.driver);
      } catch {
        // A marker row left behind (a full disk, a busy file) is harmless: no one reads it again.
      }
      statements.clear();
      db.close();
      return { id: request.id, changes: 0, lastInsertRowid: 0 };
    default:
      throw new Error(`unknown request ${JSON.stringify(request.op)} to the SQLite worker`);
  }
}

port.on("message", (/** @type {WorkerRequest} */ request) => {
  if (request.op === "crash") {
    // Test hook: the ways a worker dies on its own (the other, terminate(), is the main side's).
    if (request.how === "exit") process.exit(7);
    if (request.how === "throw") throw new Error("simulated crash of the SQLite worker");
    crashAfterCommit = true;
    return;
  }
  port.postMessage(handle(request));
});

/**
 * The fields of an error that survive the thread boundary: structured clone keeps an Error's
 * message and name but drops `code`, which `transient-errors.ts` classifies by.
 * @param {unknown} error
 * @returns {import("./worker-protocol.js").WireError}
 */
function toWireError(error) {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = /** @type {{ code?: unknown }} */ (error).code;
  return {
    name: error.name,
    message: error.message,
    code: typeof code === "string" ? code : undefined,
  };
}
