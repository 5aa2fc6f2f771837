import { ThreadlineError } from "../errors.js";
import { KyselyStore } from "./kysely-store.js";
import { openPostgresDriver } from "./postgres/postgres-store-driver.js";
import { openSqliteDriver } from "./sqlite/sqlite-store-driver.js";
import { openSqliteWorkerDriver } from "./sqlite-worker/sqlite-worker-store-driver.js";
import type { Store } from "./store.js";

/**
 * Opens a store from a database URL (SPEC §4 `--db`):
 * - `sqlite:PATH` — a SQLite file (created if missing); `sqlite::memory:` — in memory. Options
 *   follow the first `?` (so a path cannot contain `?`): `?worker=1` runs the connection in a
 *   worker thread, so commits never block the event loop (issue 9; `worker=0`, the default, keeps
 *   it on the calling thread);
 * - `postgres://…` or `postgresql://…` — PostgreSQL; an optional `?schema=NAME` puts the tables in
 *   that schema (created if missing).
 *
 * The store is not migrated yet: call {@link Store.migrate}.
 *
 * @throws ThreadlineError `bad_request` for any other URL, an unknown `sqlite:` option or value;
 *   `unavailable` naming the path when the SQLite file cannot be opened (a missing directory, no
 *   permission, not a database).
 * @example
 * ```ts
 * const store = await openStore("sqlite:./threadline.db", "node-1");
 * await store.migrate();
 * ```
 */
export async function openStore(databaseUrl: string, nodeId: string): Promise<Store> {
  if (databaseUrl.startsWith("sqlite:")) {
    const { path, worker } = parseSqliteUrl(databaseUrl.slice("sqlite:".length));
    if (path === "")
      throw new ThreadlineError("bad_request", "sqlite: needs a path, e.g. sqlite:./threadline.db");
    try {
      return new KyselyStore(
        worker ? await openSqliteWorkerDriver(path) : await openSqliteDriver(path),
      );
    } catch (error) {
      // e.g. better-sqlite3's bare "Cannot open database because the directory does not exist".
      throw new ThreadlineError(
        "unavailable",
        `cannot open the SQLite database ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    const url = new URL(databaseUrl);
    const schema = url.searchParams.get("schema") ?? undefined;
    url.searchParams.delete("schema");
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new ThreadlineError("bad_request", `invalid schema name ${JSON.stringify(schema)}`);
    }
    const driver = await openPostgresDriver({ connectionString: url.toString(), schema }, nodeId);
    return new KyselyStore(driver);
  }
  throw new ThreadlineError(
    "bad_request",
    `unsupported database URL ${JSON.stringify(databaseUrl)}: use sqlite:PATH, sqlite::memory: or postgres://…`,
  );
}

/** Values of a boolean `sqlite:` option. */
const FLAGS = new Map([
  ["1", true],
  ["true", true],
  ["0", false],
  ["false", false],
]);

/**
 * Splits what follows `sqlite:` into the path (everything before the first `?`) and its options
 * (`worker=1|0|true|false`).
 * @throws ThreadlineError `bad_request` naming an unknown option or a bad value.
 */
function parseSqliteUrl(rest: string): { path: string; worker: boolean } {
  const mark = rest.indexOf("?");
  if (mark < 0) return { path: rest, worker: false };
  let worker = false;
  for (const [name, value] of new URLSearchParams(rest.slice(mark + 1))) {
    const flag = FLAGS.get(value);
    if (name !== "worker") {
      throw new ThreadlineError(
        "bad_request",
        `unknown sqlite: option ${JSON.stringify(name)} (known: worker); a path cannot contain "?"`,
      );
    }
    if (flag === undefined) {
      throw new ThreadlineError(
        "bad_request",
        `sqlite: option worker must be 1 or 0, not ${JSON.stringify(value)}`,
      );
    }
    worker = flag;
  }
  return { path: rest.slice(0, mark), worker };
}
