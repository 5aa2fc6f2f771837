import { randomUUID } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach } from "vitest";
import { ManualClock } from "../../src/clock.js";
import type { UIMessage } from "../../src/message/types.js";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { createThreadline, type Threadline, type ThreadlineOptions } from "../../src/threadline.js";
import { DATABASE_URL } from "./database-url.js";
import { temporaryDirectory } from "./temporary-directory.js";

/** One backend a shared test body runs against (STYLE habit 14). */
export interface Backend {
  name: "sqlite" | "postgres" | "sqlite-worker";
  /**
   * A fresh, empty database URL: a new PostgreSQL schema, or for SQLite an in-memory database —
   * or a temporary file when `shared` (several Threadline instances, i.e. nodes, open it). With
   * `uncreated`, a PostgreSQL schema is a new name nobody created yet (not an emptied one reused).
   */
  freshDatabase(options?: { shared?: boolean; uncreated?: boolean }): Promise<string>;
}

/** PostgreSQL schemas handed out during the current test. */
const schemas: string[] = [];
/**
 * Schemas emptied after an earlier test of this file, migrated and otherwise untouched: handed out
 * again instead of new ones, so a test skips the schema's creation and migration (~300 ms each;
 * Kysely's migrator inspects the catalog of every schema in the database).
 */
const reusable: string[] = [];

/** Every backend: each store test body runs once per entry. */
export const BACKENDS: readonly Backend[] = [
  {
    name: "sqlite",
    freshDatabase: async (options) => {
      if (!options?.shared) return "sqlite::memory:";
      const dir = await temporaryDirectory("threadline-test-");
      return `sqlite:${join(dir, "threadline.db")}`;
    },
  },
  {
    name: "postgres",
    freshDatabase: async (options) => {
      const reused = options?.uncreated ? undefined : reusable.pop();
      const schema = reused ?? `tl_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
      schemas.push(schema);
      const url = new URL(DATABASE_URL);
      url.searchParams.set("schema", schema);
      return url.toString();
    },
  },
];

/**
 * SQLite with its connection in a worker thread (`?worker=1`, issue 9). Only in
 * {@link BACKENDS_WITH_WORKER}, for the files that opt in: a third run of every store test would
 * add its SQLite time again to the whole suite.
 */
export const SQLITE_WORKER: Backend = {
  name: "sqlite-worker",
  freshDatabase: async (options) => {
    if (!options?.shared) return "sqlite::memory:?worker=1";
    const dir = await temporaryDirectory("threadline-test-");
    return `sqlite:${join(dir, "threadline.db")}?worker=1`;
  },
};

/** {@link BACKENDS} and {@link SQLITE_WORKER}: for the test files that also cover the worker driver. */
export const BACKENDS_WITH_WORKER: readonly Backend[] = [...BACKENDS, SQLITE_WORKER];

const open: Threadline[] = [];

/**
 * Opens a Threadline on a fresh database of `backend`, closed automatically after the test. A
 * {@link ManualClock} is used unless the options name a clock. `MESSAGE` types its messages.
 */
export async function openThreadline<MESSAGE extends UIMessage = UIMessage>(
  backend: Backend,
  options: Partial<ThreadlineOptions> = {},
): Promise<{ threadline: Threadline<MESSAGE>; clock: ManualClock; database: string }> {
  const clock = new ManualClock(1_700_000_000_000);
  const database = options.database ?? (await backend.freshDatabase());
  const threadline = await createThreadline<MESSAGE>({ clock, ...options, database });
  open.push(threadline);
  return { threadline, clock, database };
}

/** One connection per test file for the schemas' clean-up, opened on first use. */
let cleanup: Promise<pg.Client> | undefined;

function cleanupClient(): Promise<pg.Client> {
  cleanup ??= (async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    client.on("error", () => {}); // a test that restarts nothing never hits it; never crash on it
    await client.connect();
    await client.query("set lock_timeout = '2s'"); // a connection left behind never blocks it long
    return client;
  })();
  return cleanup;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close().catch(() => {})));
  if (schemas.length === 0) return;
  const client = await cleanupClient();
  for (const schema of schemas.splice(0)) {
    if (await emptyForReuse(client, schema)) reusable.push(schema);
    else await client.query(`drop schema if exists "${schema}" cascade`);
  }
});

afterAll(async () => {
  if (!cleanup) return;
  const client = await cleanup;
  cleanup = undefined;
  try {
    for (const schema of reusable.splice(0)) {
      await client.query(`drop schema if exists "${schema}" cascade`);
    }
  } finally {
    await client.end();
  }
});

/** Kysely's migration bookkeeping tables: kept when a schema is emptied for reuse. */
const MIGRATION_TABLES = ["threadline_migrations", "threadline_migrations_lock"];

/**
 * Empties `schema` for the next test when it is exactly what the migrations make — the current
 * migrations applied, no trigger or function a test added — and answers whether it did; a schema
 * a test changed that way (or never migrated) is dropped instead.
 */
async function emptyForReuse(client: pg.Client, schema: string): Promise<boolean> {
  try {
    const { rows } = await client.query<{ tables: string | null; extras: string }>(
      `select (select string_agg(c.relname, ',' order by c.relname) from pg_class c
                where c.relnamespace = n.oid and c.relkind in ('r', 'p')) as tables,
              (select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid
                where c.relnamespace = n.oid and not t.tgisinternal)
            + (select count(*) from pg_proc p where p.pronamespace = n.oid) as extras
         from pg_namespace n where n.nspname = $1`,
      [schema],
    );
    const [found] = rows;
    const tables = found?.tables?.split(",") ?? [];
    if (!MIGRATION_TABLES.every((t) => tables.includes(t)) || Number(found?.extras) !== 0) {
      return false;
    }
    const applied = await client.query<{ name: string }>(
      `select name from "${schema}".threadline_migrations order by name`,
    );
    if (applied.rows.map((r) => r.name).join() !== Object.keys(MIGRATIONS).sort().join()) {
      return false;
    }
    const data = tables.filter((t) => !MIGRATION_TABLES.includes(t));
    await client.query(`truncate ${data.map((t) => `"${schema}".${t}`).join(", ")}`);
    return true;
  } catch {
    return false;
  }
}
