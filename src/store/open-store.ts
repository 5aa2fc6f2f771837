import { ThreadlineError } from "../errors.js";
import { KyselyStore } from "./kysely-store.js";
import { openPostgresDriver } from "./postgres/postgres-store-driver.js";
import { openSqliteDriver } from "./sqlite/sqlite-store-driver.js";
import type { Store } from "./store.js";

/**
 * Opens a store from a database URL (SPEC §4 `--db`):
 * - `sqlite:PATH` — a SQLite file (created if missing); `sqlite::memory:` — in memory;
 * - `postgres://…` or `postgresql://…` — PostgreSQL; an optional `?schema=NAME` puts the tables in
 *   that schema (created if missing).
 *
 * The store is not migrated yet: call {@link Store.migrate}.
 *
 * @throws ThreadlineError `bad_request` for any other URL.
 * @example
 * ```ts
 * const store = await openStore("sqlite:./threadline.db", "node-1");
 * await store.migrate();
 * ```
 */
export async function openStore(databaseUrl: string, nodeId: string): Promise<Store> {
  if (databaseUrl.startsWith("sqlite:")) {
    const path = databaseUrl.slice("sqlite:".length);
    if (path === "")
      throw new ThreadlineError("bad_request", "sqlite: needs a path, e.g. sqlite:./threadline.db");
    return new KyselyStore(openSqliteDriver(path));
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
