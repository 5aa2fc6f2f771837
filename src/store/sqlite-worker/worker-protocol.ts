/**
 * The messages between the main thread and the SQLite worker (`worker.mjs`). Every request carries
 * an `id` its reply repeats; the worker handles one request at a time, in order.
 */

/** An error as it crosses the thread boundary: structured clone would drop `code`. */
export interface WireError {
  name: string;
  message: string;
  /** SQLite's result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_FULL`, …) when there is one. */
  code?: string | undefined;
}

/** A request from the main thread. */
export type WorkerRequest =
  /** One compiled statement; its rows come back when it returns any (`stmt.reader`). */
  | { op: "query"; id: number; sql: string; params: readonly unknown[] }
  /**
   * Statements run back to back, replied to at once (`results`, one per statement, in order); the
   * first that fails ends the batch with its error. `pipelined`: the main thread does not wait for
   * the reply, so a failure inside a transaction fails every later request of the transaction
   * until its rollback (the `commit` after it among them).
   */
  | { op: "batch"; id: number; statements: readonly BatchStatement[]; pipelined: boolean }
  /**
   * `BEGIN IMMEDIATE` (R26). `pipelined`: sent without waiting for the reply; when it fails, the
   * transaction's statements and commit fail with its error instead of running outside it.
   */
  | { op: "begin"; id: number; pipelined: boolean }
  /**
   * `COMMIT`; when the transaction wrote, it first records `txn` as this driver's last commit in
   * the marker table, so a commit whose reply a crash swallowed can be decided afterwards.
   */
  | { op: "commit"; id: number; driver: string; txn: number }
  /** `ROLLBACK`, unless SQLite already ended the transaction (after SQLITE_FULL and the like). */
  | { op: "rollback"; id: number }
  /** Whether `txn` was this driver's last recorded commit (reply: `rows: [{ committed }]`). */
  | { op: "committed"; id: number; driver: string; txn: number }
  /** Hands up to `maxPages` free pages back to the file system (`incremental_vacuum`). */
  | { op: "reclaim"; id: number; maxPages: number }
  /** Closes the database (and deletes this driver's marker row). */
  | { op: "close"; id: number; driver: string }
  /**
   * Test hook, never answered: the worker dies at once by `process.exit` or an uncaught exception,
   * or by `process.exit` right after its next commit, before replying to it.
   */
  | { op: "crash"; id: number; how: "exit" | "throw" | "exit-after-commit" };

/** One statement of a `batch` request. */
export interface BatchStatement {
  sql: string;
  params: readonly unknown[];
}

/** What one statement returned: its rows when it returns any, otherwise what it changed. */
export type StatementResult =
  | { rows: unknown[] }
  | { changes: number; lastInsertRowid: number | bigint };

/** A reply to the request with the same `id`. */
export type WorkerReply =
  | ({ id: number } & StatementResult)
  | { id: number; results: StatementResult[] }
  | { id: number; error: WireError };

/** A message the worker sends on its own after starting. */
export type WorkerNotice = { op: "ready" } | { op: "open-failed"; error: WireError };

/**
 * Rebuilds an error the worker sent: an `Error` with the same name, message and `code`, so
 * `isTransientStoreError` classifies it as it would the in-thread driver's (R30).
 */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message) as Error & { code?: string };
  error.name = wire.name;
  if (wire.code !== undefined) error.code = wire.code;
  return error;
}
