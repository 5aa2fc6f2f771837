import { CompiledQuery, type Kysely, PostgresAdapter, type QueryResult } from "kysely";
import type { Database } from "../schema.js";

/** SQL text by statement shape, per dialect adapter (placeholders differ between backends). */
const compiled = new WeakMap<object, Map<string, string>>();

/**
 * Runs a statement whose SQL text depends only on its shape (`shape`, e.g. "insert events × 512"),
 * compiling it with Kysely once per database dialect and then reusing the text with new
 * `parameters` (issue 9: the writer's tick statements are precompiled instead of being built and
 * compiled every tick). `build` compiles the statement for the shape (any values of that shape);
 * its parameters must line up with `parameters` (same count, same order).
 *
 * @throws Error when `parameters` does not have as many values as the compiled statement has
 *   placeholders (a programming error, caught on the first run of a shape).
 */
export function executeCompiledOnce<R>(
  db: Kysely<Database>,
  shape: string,
  build: () => CompiledQuery<R>,
  parameters: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(compileOnce(db, shape, build, parameters));
}

/**
 * The statement {@link executeCompiledOnce} runs, for running it later or in a batch
 * (`batch.ts`). The statement takes `parameters` as they are (Kysely freezes the array): pass an
 * array built for it.
 * @throws Error on a parameter count that does not match the shape (as there).
 */
export function compileOnce<R>(
  db: Kysely<Database>,
  shape: string,
  build: () => CompiledQuery<R>,
  parameters: readonly unknown[],
): CompiledQuery<R> {
  const adapter = db.getExecutor().adapter;
  let byShape = compiled.get(adapter);
  if (!byShape) {
    byShape = new Map();
    compiled.set(adapter, byShape);
  }
  let sqlText = byShape.get(shape);
  if (sqlText === undefined) {
    const query = build();
    if (query.parameters.length !== parameters.length) {
      throw new Error(
        `${shape}: ${parameters.length} parameters for ${query.parameters.length} placeholders`,
      );
    }
    sqlText = query.sql;
    byShape.set(shape, sqlText);
  }
  return CompiledQuery.raw(sqlText, parameters as unknown[]) as CompiledQuery<R>;
}

/**
 * True when `db` talks to PostgreSQL: there the tick's statements take whole arrays (`unnest`),
 * one statement whatever the number of rows — parsing and binding thousands of `VALUES`
 * parameters cost ~3× the work itself (800 rows: 22 → 9 ms for the head_seq bump, 30 → 9 ms for
 * the events insert; measured 2026-12-01).
 */
export function isPostgres(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Rows per multi-row statement, largest first (see {@link inBatches}). At most 512 rows × 8
 * parameters: well under SQLite's 32 766 and PostgreSQL's 65 535.
 */
const BATCH_SIZES = [512, 128, 32, 8, 2, 1];

/**
 * Splits `items` into batches of {@link BATCH_SIZES} rows, largest first: a tick of any size makes
 * a handful of distinct multi-row statements, so each is prepared once and then served from the
 * connection's statement cache (SQLite) instead of being parsed anew every tick.
 */
function* inBatches<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; ) {
    const size = BATCH_SIZES.find((s) => s <= items.length - i) ?? 1;
    yield items.slice(i, i + size);
    i += size;
  }
}

/** How {@link multiRowStatements} builds a multi-row statement on each backend. */
export interface MultiRowBuild<T, R> {
  /** PostgreSQL: one statement over every item, taking arrays (`unnest`). */
  unnest(items: readonly T[]): CompiledQuery<R>;
  /** SQLite: one statement per batch of {@link inBatches} (`VALUES` rows). */
  values(batch: readonly T[]): CompiledQuery<R>;
}

/**
 * The statements of a multi-row query over `items`: on PostgreSQL one whatever their number, on
 * SQLite one per batch of {@link BATCH_SIZES} rows (a handful of texts serve every tick); none for
 * no items. The writer tick's bump, guard and events insert are built so.
 */
export function multiRowStatements<T, R>(
  db: Kysely<Database>,
  items: readonly T[],
  build: MultiRowBuild<T, R>,
): CompiledQuery<R>[] {
  if (items.length === 0) return [];
  if (isPostgres(db)) return [build.unnest(items)];
  return Array.from(inBatches(items), (batch) => build.values(batch));
}
