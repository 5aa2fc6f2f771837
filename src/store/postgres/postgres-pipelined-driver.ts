import type { Writable } from "node:stream";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type pg from "pg";
import type { BatchConnection } from "../queries/batch.js";

/**
 * Kysely's driver for a `pg` pool whose clients run in pipeline mode (`pipeline: true`): a
 * statement is on the wire as soon as it is issued, without waiting for the replies to the ones
 * before it. Its connections are {@link BatchConnection}s, so a writer tick takes two writes and
 * two round trips — `BEGIN` with the seq reservation and the R15 guard, then the inserts and
 * notifications with `COMMIT` — instead of one of each per statement (six), each round trip
 * waiting for a turn of a busy event loop (issue 9).
 *
 * Everything else is Kysely's `PostgresDriver`: `BEGIN` / `START TRANSACTION ISOLATION LEVEL …`,
 * `COMMIT`, `ROLLBACK`, one pooled client per connection. No savepoints and no streamed results
 * (Threadline uses neither).
 */
export class PipelinedPostgresDriver implements Driver {
  private pool: pg.Pool | undefined;
  private readonly connections = new WeakMap<pg.PoolClient, PipelinedPostgresConnection>();

  /** @param pool - a pool made with `pipeline: true` (see `poolConfig`). */
  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<PipelinedPostgresConnection> {
    const pool = this.pool;
    if (!pool) throw new Error("the PostgreSQL driver is destroyed");
    const client = await pool.connect();
    if (!this.pool) {
      // `destroy()` ran while the client was being acquired: give it back for the pool to end.
      client.release();
      throw new Error("the PostgreSQL driver is destroyed");
    }
    let connection = this.connections.get(client);
    if (!connection) {
      connection = new PipelinedPostgresConnection(client);
      this.connections.set(client, connection);
    }
    return connection;
  }

  /**
   * Holds `BEGIN` (or `START TRANSACTION` with the settings' isolation level and access mode) to
   * send with the transaction's first statement, which carries its error, if any.
   */
  async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    let text = "begin";
    if (settings.isolationLevel || settings.accessMode) {
      text = "start transaction";
      if (settings.isolationLevel) text += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) text += ` ${settings.accessMode}`;
    }
    await asPipelined(connection).begin(CompiledQuery.raw(text));
  }

  /**
   * Commits (with the held statements before it), or throws the error of a held statement that
   * failed (the server has then rolled the transaction back: its `COMMIT` answers `ROLLBACK`).
   */
  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await asPipelined(connection).commit();
  }

  /** Rolls back, whatever the transaction's earlier pipelined statements answered. */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await asPipelined(connection).rollback();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    asPipelined(connection).release();
  }

  async destroy(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }
}

/**
 * One pooled client in pipeline mode, as Kysely sees it. Statements given with
 * `executeBatch(…, { pipelined: true })` (and a transaction's `BEGIN`) are held and sent together
 * with the next statement that is waited for — the transaction's next read, its `COMMIT` at the
 * latest — in one write to the socket (each write costs ~0.1–0.4 ms of this thread: a tick's six
 * statements were a quarter of the main thread at 570 streams, issue 9). That statement throws
 * the first error among them instead of its own: after a failure PostgreSQL answers every later
 * statement of the transaction with "current transaction is aborted" and its `COMMIT` with
 * `ROLLBACK`, so nothing after a failed statement commits and the error reported is the cause.
 */
export class PipelinedPostgresConnection implements BatchConnection {
  /** Statements held until the next one that is waited for. */
  private held: CompiledQuery[] = [];
  /** Whether a transaction is open: statements are held only inside one. */
  private inTransaction = false;

  constructor(private readonly client: pg.PoolClient) {}

  /**
   * Sends the held statements and this one, and waits for all their replies.
   * @throws the first error among them (PostgreSQL's, with its `code`).
   */
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const [result] = await this.settle(this.send([compiledQuery]), 1);
    return result as QueryResult<R>;
  }

  /**
   * Sends the held statements and `queries` in one write and waits for their replies
   * ({@link BatchConnection}); `pipelined` inside a transaction, holds `queries` instead and
   * resolves at once with no results. Outside a transaction nothing is held (a released connection
   * would lose it) and several statements run one after another (each commits on its own, so a
   * failure must stop the rest).
   * @throws the first error among the held statements and `queries`.
   */
  async executeBatch(
    queries: readonly CompiledQuery[],
    options: { pipelined: boolean },
  ): Promise<QueryResult<unknown>[]> {
    if (options.pipelined && this.inTransaction) {
      this.held.push(...queries);
      return [];
    }
    if (queries.length === 0) return [];
    if (!this.inTransaction && queries.length > 1) {
      // Each would commit on its own: one after another, so a failure stops the rest.
      const results: QueryResult<unknown>[] = [];
      for (const query of queries) results.push(await this.executeQuery(query));
      return options.pipelined ? [] : results;
    }
    const results = await this.settle(this.send(queries), queries.length);
    return options.pipelined ? [] : results;
  }

  /** Holds the transaction's `BEGIN` for its first statement. */
  begin(query: CompiledQuery): void {
    this.held.push(query);
    this.inTransaction = true;
  }

  /**
   * `COMMIT`, with the held statements before it.
   * @throws the first error among them (the transaction is then rolled back).
   */
  async commit(): Promise<void> {
    this.inTransaction = false;
    await this.executeQuery(CompiledQuery.raw("commit"));
  }

  /** `ROLLBACK` (with the held statements before it), whatever they answer. */
  async rollback(): Promise<void> {
    this.inTransaction = false;
    const replies = this.send([CompiledQuery.raw("rollback")]);
    await Promise.allSettled(replies);
    await replies[replies.length - 1];
  }

  // biome-ignore lint/correctness/useYield: Threadline never streams results
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Threadline's PostgreSQL driver does not stream query results");
  }

  /** Gives the client back to the pool (nothing is held after a commit or rollback). */
  release(): void {
    this.held = [];
    this.inTransaction = false;
    this.client.release();
  }

  /**
   * Puts the held statements and `queries` on the wire in one write (pipeline mode sends a
   * statement as it is issued; the socket is corked around them) and returns their replies.
   */
  private send(queries: readonly CompiledQuery[]): Promise<QueryResult<unknown>>[] {
    const all = this.held.length > 0 ? [...this.held, ...queries] : queries;
    this.held = [];
    const socket = socketOf(this.client);
    socket?.cork();
    try {
      return all.map((query) =>
        this.client.query(query.sql, [...query.parameters]).then(toQueryResult),
      );
    } finally {
      socket?.uncork();
    }
  }

  /**
   * Waits for every reply; returns the last `count` results.
   * @throws the first error among them, in send order.
   */
  private async settle(
    replies: Promise<QueryResult<unknown>>[],
    count: number,
  ): Promise<QueryResult<unknown>[]> {
    if (replies.length === 1) return [await (replies[0] as Promise<QueryResult<unknown>>)];
    const outcomes = await Promise.allSettled(replies);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    return outcomes
      .slice(outcomes.length - count)
      .map((outcome) => (outcome as PromiseFulfilledResult<QueryResult<unknown>>).value);
  }
}

/** The client's socket, where `pg` exposes it (it corks it itself around each statement). */
function socketOf(client: pg.PoolClient): Writable | undefined {
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  return typeof stream?.cork === "function" ? stream : undefined;
}

/** Kysely's result of a `pg` reply: rows, and the count of rows an `INSERT`/`UPDATE`/… changed. */
function toQueryResult(result: pg.QueryResult): QueryResult<unknown> {
  const changes =
    result.command === "INSERT" ||
    result.command === "UPDATE" ||
    result.command === "DELETE" ||
    result.command === "MERGE";
  return {
    rows: result.rows ?? [],
    ...(changes ? { numAffectedRows: BigInt(result.rowCount ?? 0) } : {}),
  };
}

function asPipelined(connection: DatabaseConnection): PipelinedPostgresConnection {
  if (!(connection instanceof PipelinedPostgresConnection))
    throw new Error("not a connection of Threadline's PostgreSQL driver");
  return connection;
}
