import type { CompiledQuery, DatabaseConnection, Kysely, QueryResult } from "kysely";
import type { Database } from "../schema.js";

/**
 * A connection that runs several statements for one round trip: the worker-backed SQLite
 * connection and the pipelining PostgreSQL one, whose every round trip waits for the main
 * thread's event loop to pick the reply up (issue 9: a tick took a round trip per statement —
 * begin, bumps, guards, inserts, bodies, notifications, commit — and now takes two).
 */
export interface BatchConnection extends DatabaseConnection {
  /**
   * Runs `queries` in order and resolves with their results. `pipelined` (inside a transaction):
   * resolves at once with no results; a failure fails the transaction's next statement or its
   * commit instead, so nothing after it commits.
   */
  executeBatch(
    queries: readonly CompiledQuery[],
    options: { pipelined: boolean },
  ): Promise<QueryResult<unknown>[]>;
}

/**
 * Runs `queries` in order on `trx`'s connection and resolves with their results: in one round
 * trip where the connection can ({@link BatchConnection}: the SQLite worker, PostgreSQL), one after
 * another on SQLite in this thread. The queries must not depend on each other's results.
 *
 * @throws the error of the first statement that failed (the later ones did not run).
 */
export function executeBatch(
  trx: Kysely<Database>,
  queries: readonly CompiledQuery[],
): Promise<QueryResult<unknown>[]> {
  return trx.getExecutor().provideConnection(async (connection) => {
    if (isBatchConnection(connection))
      return connection.executeBatch(queries, { pipelined: false });
    const results: QueryResult<unknown>[] = [];
    for (const query of queries) results.push(await connection.executeQuery(query));
    return results;
  });
}

/**
 * Runs writes whose results nobody reads, inside the transaction `trx`. A
 * {@link BatchConnection} sends them without waiting for the reply (PostgreSQL holds them to send
 * with the next statement) — their errors fail the transaction's next statement or commit, so the
 * transaction never commits past a failed write; SQLite in this thread runs them one after another
 * and throws at once.
 *
 * @throws the first failing statement's error (where the connection runs them here and now).
 */
export async function executePipelined(
  trx: Kysely<Database>,
  queries: readonly CompiledQuery[],
): Promise<void> {
  await trx.getExecutor().provideConnection(async (connection) => {
    if (isBatchConnection(connection)) {
      await connection.executeBatch(queries, { pipelined: true });
      return;
    }
    for (const query of queries) await connection.executeQuery(query);
  });
}

function isBatchConnection(connection: DatabaseConnection): connection is BatchConnection {
  return typeof (connection as Partial<BatchConnection>).executeBatch === "function";
}

/**
 * Statements to run and how to read their results: a query whose statements can share a round trip
 * with other plans ({@link executePlans}).
 */
export interface QueryPlan<T> {
  readonly queries: readonly CompiledQuery[];
  /** Reads the plan's result from its statements' results (aligned with `queries`). */
  read(results: readonly QueryResult<unknown>[]): T;
}

/** Runs one plan's statements ({@link executeBatch}) and reads its result. */
export async function executePlan<T>(trx: Kysely<Database>, plan: QueryPlan<T>): Promise<T> {
  return plan.read(await executeBatch(trx, plan.queries));
}

/**
 * Runs independent plans' statements together ({@link executeBatch}: one round trip on a
 * {@link BatchConnection}) and reads each plan's result.
 * @throws the first failing statement's error.
 */
export async function executePlans<A, B>(
  trx: Kysely<Database>,
  first: QueryPlan<A>,
  second: QueryPlan<B>,
): Promise<[A, B]> {
  const results = await executeBatch(trx, [...first.queries, ...second.queries]);
  const split = first.queries.length;
  return [first.read(results.slice(0, split)), second.read(results.slice(split))];
}
