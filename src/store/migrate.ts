import { type Kysely, type MigrationProvider, Migrator, sql } from "kysely";
import { ThreadlineError } from "../errors.js";
import { MIGRATIONS } from "./migrations/index.js";
import type { Database } from "./schema.js";
import { isTransientStoreError } from "./transient-errors.js";

const MIGRATION_TABLE = "threadline_migrations";
const MIGRATION_LOCK_TABLE = "threadline_migrations_lock";

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/**
 * Brings the schema up to date with Kysely's {@link Migrator} (versioned, forward-only, R27). Safe to
 * run from several processes at once: Kysely takes a lock table first.
 *
 * @returns the names of the migrations this call applied (empty when the schema was current).
 * @throws ThreadlineError `schema_too_new` when the database holds a migration this code does not
 *   know, i.e. it was migrated by a newer Threadline; `unavailable` when the database cannot be
 *   reached (refused, unknown host, shutting down: a transient store error on every try) or
 *   refuses the login (no such role or database, bad password); `internal` when a migration fails.
 */
export async function migrateToLatest(db: Kysely<Database>, schema?: string): Promise<string[]> {
  const applied = await appliedMigrations(db);
  refuseNewerSchema(applied);
  // Already current: skip Kysely's Migrator, whose catalog look-ups cost ~200 ms on a PostgreSQL
  // database with many schemas (every start of a node or a test paid them).
  if (applied !== undefined && Object.keys(MIGRATIONS).every((name) => applied.includes(name))) {
    return [];
  }
  const migrator = new Migrator({
    db,
    provider,
    // Kysely looks for its tables across all schemas unless told which one (PostgreSQL).
    ...(schema ? { migrationTableSchema: schema } : {}),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  let attempt = 0;
  for (;;) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error)
      return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    // Kysely inspects the catalog of every schema first; a schema that another process drops at
    // that moment fails the look-up. Such a failure passes on retry; a real one does not. A
    // database that cannot be reached (refused, unknown host, shutting down: it may be starting,
    // so it is retried too) or that refuses the login (no such role or database, bad password:
    // retrying cannot help) is not a failed migration: say so, with the driver's words.
    attempt += 1;
    if (isLoginRefusal(error) || (isTransientStoreError(error) && attempt >= MIGRATION_ATTEMPTS)) {
      const message = `cannot connect to the database: ${messageOf(error)}`;
      throw new ThreadlineError("unavailable", message, { cause: error });
    }
    if (attempt >= MIGRATION_ATTEMPTS) {
      throw new ThreadlineError("internal", `database migration failed: ${String(error)}`, {
        cause: error,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}

/**
 * Tries before a migration failure counts as real. The catalog look-up fails whenever any schema of
 * the database is dropped during it, which other tenants' schemas can do often (test suites on two
 * Node versions dropping a schema per test made 3 tries fail now and then).
 */
const MIGRATION_ATTEMPTS = 10;

/** The newest migration name this code knows: the schema version it expects. */
export const LATEST_SCHEMA_VERSION = Object.keys(MIGRATIONS).sort().at(-1) ?? "";

/** Names of the migrations the database has applied; undefined when it has no migration table. */
async function appliedMigrations(db: Kysely<Database>): Promise<string[] | undefined> {
  try {
    const rows = await sql<{
      name: string;
    }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(db);
    return rows.rows.map((r) => r.name);
  } catch {
    return undefined; // No migration table yet: a fresh database.
  }
}

/** @throws ThreadlineError `schema_too_new` when `applied` holds a migration this code does not know (R27). */
function refuseNewerSchema(applied: string[] | undefined): void {
  if (applied === undefined) return;
  const unknown = applied.filter((name) => !(name in MIGRATIONS)).sort();
  if (unknown.length > 0) {
    throw new ThreadlineError(
      "schema_too_new",
      `the database schema is newer than this Threadline: it has migration(s) ${unknown.join(", ")} ` +
        `but this code knows only up to ${LATEST_SCHEMA_VERSION}. Upgrade Threadline, or point it at another database.`,
      { details: { unknownMigrations: unknown, latestKnown: LATEST_SCHEMA_VERSION } },
    );
  }
}

/** PostgreSQL refused the login: invalid authorization (SQLSTATE class 28) or no such database. */
function isLoginRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && (code.startsWith("28") || code === "3D000");
}

/** `error`'s message, or the first message down its `cause` chain (pg's AggregateError has none). */
function messageOf(error: unknown): string {
  for (let current = error, depth = 0; depth < 5; depth++) {
    if (!(current instanceof Error)) return String(current);
    if (current.message !== "") return current.message;
    const inner = (current as { errors?: unknown[] }).errors?.[0] ?? current.cause;
    if (inner === undefined) return current.name;
    current = inner;
  }
  return String(error);
}
