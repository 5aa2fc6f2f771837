import { randomUUID } from "node:crypto";
import type { Worker } from "node:worker_threads";
import type { CompiledQuery, QueryResult } from "kysely";
import { ThreadlineError } from "../../errors.js";
import type { BatchConnection } from "../queries/batch.js";
import { SQLITE_WORKER_EXITED } from "../transient-errors.js";
import type { StatementResult, WorkerReply } from "./worker-protocol.js";
import { WorkerThread, type WorkerThreadOptions } from "./worker-thread.js";

/**
 * The one SQLite connection of a worker-backed store, as Kysely sees it: each compiled statement is
 * posted to the worker thread that owns the better-sqlite3 connection, one at a time (the driver's
 * mutex guarantees it, as Kysely's in-thread SQLite driver does).
 *
 * A worker that dies (an uncaught exception, `process.exit`, `terminate()`, running out of memory)
 * fails what was waiting on it with `unavailable` caused by {@link SQLITE_WORKER_EXITED} — a
 * transient error, so the writer keeps its changes buffered and retries them (R6, R30) — and the
 * next statement outside a transaction starts a new worker on the same file. A transaction begun on
 * the dead worker stays dead: its later statements fail the same way and its rollback is a no-op
 * (SQLite rolled it back when the worker's connection closed). A commit whose reply the crash
 * swallowed is decided by the marker row the worker writes in the committing transaction: it
 * succeeds if the row shows it, so a retry never writes the same changes twice.
 *
 * An in-memory database dies with its worker: from then on every statement fails with `internal`.
 */
export class SqliteWorkerConnection implements BatchConnection {
  /** This connection's key in the marker table. */
  private readonly driverId = randomUUID();
  private thread: WorkerThread | undefined;
  /** The worker the open transaction began on. */
  private transaction: WorkerThread | undefined;
  private lastTxn = 0;
  private lost: ThreadlineError | undefined;
  private closed: ThreadlineError | undefined;

  constructor(private readonly options: WorkerThreadOptions) {}

  /** The current worker thread, if one runs (a test hook: terminate it to simulate a crash). */
  get worker(): Worker | undefined {
    return this.thread?.exited ? undefined : this.thread?.worker;
  }

  /**
   * Starts the worker and waits until it has opened the database.
   * @throws SQLite's error opening the file (e.g. `SQLITE_CANTOPEN`), with its `code`.
   */
  async open(): Promise<void> {
    await this.current().ready;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const thread = this.transaction ?? this.current();
    const reply = await thread.request({
      op: "query",
      id: 0,
      sql: compiledQuery.sql,
      params: compiledQuery.parameters,
    });
    return toQueryResult<R>(reply);
  }

  /**
   * Runs `queries` in one message to the worker and one reply ({@link BatchConnection}); with
   * `pipelined`, inside a transaction, resolves at once without waiting for that reply: a failure
   * then fails the transaction's next request (its commit, at the latest), so nothing after it
   * commits.
   * @throws SQLite's error of the first statement that failed, or the exit error.
   */
  async executeBatch(
    queries: readonly CompiledQuery[],
    options: { pipelined: boolean },
  ): Promise<QueryResult<unknown>[]> {
    if (queries.length === 0) return [];
    const thread = this.transaction ?? this.current();
    const pipelined = options.pipelined && thread === this.transaction;
    const request = thread.request({
      op: "batch",
      id: 0,
      statements: queries.map((q) => ({ sql: q.sql, params: q.parameters })),
      pipelined,
    });
    if (pipelined) {
      request.catch(() => {}); // the transaction's next request carries the error
      return [];
    }
    const reply = await request;
    if (!("results" in reply)) throw new Error("unexpected reply from the SQLite worker");
    return reply.results.map((result) => toQueryResult(result));
  }

  // biome-ignore lint/correctness/useYield: Threadline never streams results (like the statement cache, which relies on it)
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("the worker-backed SQLite driver does not stream query results");
  }

  /**
   * `BEGIN IMMEDIATE` (R26); the transaction's statements then go to this worker only. Pipelined:
   * it resolves without waiting for the worker, which fails the transaction's first statement (or
   * commit) with the begin's error if it failed (`SQLITE_BUSY` after the busy timeout) — one round
   * trip less per transaction.
   */
  async begin(): Promise<void> {
    const thread = this.current();
    thread.request({ op: "begin", id: 0, pipelined: true }).catch(() => {});
    this.transaction = thread;
  }

  /**
   * Commits the open transaction. When the worker died before answering, asks a new worker whether
   * the commit's marker is there and succeeds if it is.
   * @throws SQLite's error (the transaction stays open for the rollback), or the exit error.
   */
  async commit(): Promise<void> {
    const thread = this.inTransaction();
    const txn = ++this.lastTxn;
    try {
      await thread.request({ op: "commit", id: 0, driver: this.driverId, txn });
    } catch (error) {
      if (error !== thread.exited) throw error;
      this.transaction = undefined;
      if (await this.committed(txn)) return;
      throw error;
    }
    this.transaction = undefined;
  }

  /** Rolls back, unless SQLite already did (after SQLITE_FULL and the like, R30) or the worker died. */
  async rollback(): Promise<void> {
    const thread = this.transaction;
    this.transaction = undefined;
    if (!thread || thread.exited) return;
    try {
      await thread.request({ op: "rollback", id: 0 });
    } catch (error) {
      if (error !== thread.exited) throw error;
    }
  }

  /**
   * Hands up to `maxPages` pages freed by deletions back to the file system, outside any
   * transaction (the driver's mutex keeps it out of one).
   * @throws SQLite's error, or the exit error.
   */
  async reclaimFreePages(maxPages: number): Promise<void> {
    await this.current().request({ op: "reclaim", id: 0, maxPages });
  }

  /**
   * Closes the database in the worker and ends the worker; later statements fail with `closed`.
   * The driver calls it once the statements queued before it have run.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = new ThreadlineError("closed", "the SQLite store is closed");
    const thread = this.thread;
    this.thread = undefined;
    if (!thread || thread.exited) return;
    try {
      await thread.request({ op: "close", id: 0, driver: this.driverId });
    } finally {
      await thread.terminate();
    }
  }

  /** The worker to run a statement on, started anew when the last one died. */
  private current(): WorkerThread {
    if (this.closed) throw this.closed;
    if (this.lost) throw this.lost;
    if (this.thread && !this.thread.exited) return this.thread;
    const thread: WorkerThread = new WorkerThread(
      this.options,
      (exitCode, crash): Error => this.describeExit(thread, exitCode, crash),
    );
    this.thread = thread;
    return thread;
  }

  private inTransaction(): WorkerThread {
    if (!this.transaction) throw new Error("no transaction is open on the SQLite worker");
    return this.transaction;
  }

  /** Whether commit `txn`, whose reply was lost, is in the database (false when unknowable). */
  private async committed(txn: number): Promise<boolean> {
    if (this.options.markerTable === null) return false;
    try {
      const reply = await this.current().request({
        op: "committed",
        id: 0,
        driver: this.driverId,
        txn,
      });
      const [row] = "rows" in reply ? (reply.rows as { committed: boolean }[]) : [];
      return row?.committed === true;
    } catch {
      return false;
    }
  }

  private describeExit(thread: WorkerThread, exitCode: number, crash: unknown): Error {
    if (this.closed && thread !== this.thread) return this.closed;
    const reason = crash instanceof Error ? crash.message : `exit code ${exitCode}`;
    const message = `the SQLite worker thread exited: ${reason}`;
    if (this.options.path === ":memory:") {
      this.lost ??= new ThreadlineError(
        "internal",
        `the in-memory SQLite database was lost (${message}); an in-memory database cannot be reopened: use a file for a store that survives a worker crash`,
        { cause: crash },
      );
      return this.lost;
    }
    const cause = Object.assign(new Error(message, { cause: crash }), {
      code: SQLITE_WORKER_EXITED,
    });
    return new ThreadlineError(
      "unavailable",
      `${message}; the database is reopened on the next query`,
      {
        cause,
      },
    );
  }
}

function toQueryResult<R>(reply: WorkerReply | StatementResult): QueryResult<R> {
  if ("rows" in reply) return { rows: reply.rows as R[] };
  if ("changes" in reply) {
    return {
      rows: [],
      numAffectedRows: BigInt(reply.changes),
      insertId: BigInt(reply.lastInsertRowid),
    };
  }
  throw new Error("unexpected reply from the SQLite worker");
}
