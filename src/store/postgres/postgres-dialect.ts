import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";

const INT8_OID = 20;

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
    ...(settings.schema ? { options: `-c search_path=${settings.schema}` } : {}),
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
    },
  };
}

/** Opens a Kysely instance over a pg pool. */
export function openPostgresKysely(settings: PostgresSettings): {
  db: Kysely<Database>;
  pool: pg.Pool;
} {
  const pool = new pg.Pool(poolConfig(settings));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}
