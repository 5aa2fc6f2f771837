import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";
import { PipelinedPostgresDriver } from "./postgres-pipelined-driver.js";

const INT8_OID = 20;

/** Longest wait for a new connection before the attempt fails as an outage (R30). */
const CONNECT_TIMEOUT_MS = 5_000;

/** Connection settings of the PostgreSQL backend. */
export interface PostgresSettings {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** Schema holding Threadline's tables (created if missing); default `public`. */
  schema?: string;
  /** Pool size; default 10. */
  maxConnections?: number;
}

/**
 * Builds pg connection options: `bigint` columns come back as numbers (times in ms and offsets stay
 * far below 2^53), and `search_path` selects the schema.
 */
export function poolConfig(settings: PostgresSettings): pg.PoolConfig {
  return {
    connectionString: settings.connectionString,
    max: settings.maxConnections ?? 10,
    // A server that is down refuses at once; one that does not answer must not hang a commit.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  };
}

/**
 * Opens a Kysely instance over a pg pool whose clients pipeline their statements
 * ({@link PipelinedPostgresDriver}: a writer tick in two round trips).
 */
export function openPostgresKysely(settings: PostgresSettings): {
  db: Kysely<Database>;
  pool: pg.Pool;
} {
  const pool = new pg.Pool({ ...poolConfig(settings), pipeline: true });
  // An idle connection that dies (server restarted, connection terminated) is dropped by the pool
  // and reported here; without a listener that report would crash the process. Queries on a dead
  // connection fail through their own promise, and the next one opens a fresh connection (R30).
  pool.on("error", () => {});
  // The same for a connection that dies while checked out between two statements of a
  // transaction: its next statement fails, which is where the failure is handled.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new PipelinedPostgresDriver(pool),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return { db, pool };
}
