/**
 * PostgreSQL SQLSTATE classes of failures that come from the database's state rather than from the
 * data written: connection exceptions (08), transaction rollbacks such as serialization failures
 * and deadlocks (40), insufficient resources such as a full disk (53), operator intervention such
 * as a shutdown or restart (57), and system I/O errors (58).
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(["08", "40", "53", "57", "58"]);

/** Lock not available (55P03): another transaction held a lock. */
const TRANSIENT_SQLSTATES = new Set(["55P03"]);

/**
 * SQLite result codes of the same kind: the file is locked by another connection, the disk is
 * full, I/O failed, memory ran out or the file cannot be opened. Extended codes (`SQLITE_IOERR_*`)
 * match by their primary code's prefix.
 */
const TRANSIENT_SQLITE_CODES = [
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_NOMEM",
  "SQLITE_CANTOPEN",
  "SQLITE_PROTOCOL",
];

/**
 * The code of the error a query gets when the thread running the SQLite connection
 * (`sqlite:PATH?worker=1`) died under it: the database file is intact and a new worker reopens it,
 * so it is an outage like a lost connection, never grounds for failing a message.
 */
export const SQLITE_WORKER_EXITED = "ERR_SQLITE_WORKER_EXITED";

/** Socket-level failures reported by Node (pg's connections). */
const TRANSIENT_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  SQLITE_WORKER_EXITED,
]);

/** pg reports a connection lost or not obtained in time without a code, by these messages. */
const TRANSIENT_PG_MESSAGES =
  /connection terminated|terminating connection|timeout exceeded when trying to connect|connection timeout|client has encountered a connection error|cannot use a pool after calling end/i;

/**
 * True when `error`, thrown by a database call, says the database is unavailable or busy rather
 * than that it refuses the data (R6, R30): retrying the same change later can succeed, so such a
 * failure is an outage to wait out, never grounds for failing a message. Looks at PostgreSQL's
 * SQLSTATE (`error.code`, five characters), SQLite's result code (`SQLITE_*`), Node's socket
 * codes, the SQLite worker's exit ({@link SQLITE_WORKER_EXITED}) and pg's code-less connection
 * messages, following `error.cause` chains.
 *
 * @example
 * ```ts
 * isTransientStoreError(Object.assign(new Error("the database system is shutting down"), { code: "57P03" })); // true
 * isTransientStoreError(Object.assign(new Error("invalid input syntax for type json"), { code: "22P02" })); // false
 * ```
 */
export function isTransientStoreError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && isTransientCode(code)) return true;
    if (TRANSIENT_PG_MESSAGES.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

function isTransientCode(code: string): boolean {
  if (code.startsWith("SQLITE_")) return TRANSIENT_SQLITE_CODES.some((c) => code.startsWith(c));
  if (TRANSIENT_SYSTEM_CODES.has(code)) return true;
  if (code.length === 5) {
    return TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  }
  return false;
}
