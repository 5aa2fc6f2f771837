/**
 * How big one Threadline database is, read from outside the library while it runs: SQLite through
 * a second, read-only connection to the file (plus `stat` of the file and its WAL), PostgreSQL
 * through a monitoring connection summing `pg_total_relation_size` over the schema's tables.
 */
import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import type { BackendTarget } from "../strategies/strategy.js";

/** One reading of the database's size. */
export interface StorageReading {
  /**
   * Bytes the database takes: SQLite file + WAL; PostgreSQL tables with their indexes and TOAST
   * (`pg_total_relation_size`, dead row versions included until vacuum reuses them).
   */
  sizeBytes: number;
  /** SQLite only: pages in use, `(page_count − freelist_count) × page_size`; null on PostgreSQL. */
  usedBytes: number | null;
  /** SQLite only: the WAL file alone. */
  walBytes: number | null;
  /** Rows of the `events` table (the log). */
  eventRows: number;
}

/** Bytes per table (with its indexes, and TOAST on PostgreSQL), largest first. */
export type TableBytes = Record<string, number>;

/** Reads the size of one database; {@link close} when done. */
export interface StorageMeter {
  read(): Promise<StorageReading>;
  /** Bytes per table: SQLite `dbstat` pages in use; PostgreSQL `pg_total_relation_size`. */
  tables(): Promise<TableBytes>;
  /**
   * Bytes of the live data: SQLite pages in use; PostgreSQL the live rows as stored
   * (`pg_column_size` of each row: tuple headers, compressed TOAST values; no indexes), which
   * leaves out the row versions deleted but not yet vacuumed.
   */
  liveBytes(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens the meter for `target` (the database Threadline was opened on, already migrated).
 * @throws when the SQLite file does not exist or PostgreSQL refuses the connection.
 */
export async function openStorageMeter(target: BackendTarget): Promise<StorageMeter> {
  return target.name === "sqlite"
    ? sqliteMeter(target.path)
    : postgresMeter(target.connectionString, target.schema);
}

function sqliteMeter(path: string): StorageMeter {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const pragma = (name: string) => Number(db.pragma(name, { simple: true }));
  const fileBytes = (file: string) => (existsSync(file) ? statSync(file).size : 0);
  return {
    read: async () => {
      const walBytes = fileBytes(`${path}-wal`);
      const row = db.prepare("select count(*) as n from events").get() as { n: number };
      return {
        sizeBytes: fileBytes(path) + walBytes,
        usedBytes: (pragma("page_count") - pragma("freelist_count")) * pragma("page_size"),
        walBytes,
        eventRows: row.n,
      };
    },
    tables: async () => {
      const rows = db
        .prepare(
          `select m.tbl_name as name, sum(s.pgsize - s.unused) as bytes
             from dbstat s join sqlite_master m on m.name = s.name
            group by m.tbl_name order by bytes desc`,
        )
        .all() as { name: string; bytes: number }[];
      return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
    },
    liveBytes: async () => (pragma("page_count") - pragma("freelist_count")) * pragma("page_size"),
    close: async () => {
      db.close();
    },
  };
}

async function postgresMeter(connectionString: string, schema: string): Promise<StorageMeter> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const tables = async () => {
    const result = await client.query<{ name: string; bytes: string }>(
      `select c.relname as name, pg_total_relation_size(c.oid)::text as bytes
         from pg_class c where c.relnamespace = $1::regnamespace and c.relkind = 'r'
        order by pg_total_relation_size(c.oid) desc`,
      [schema],
    );
    return Object.fromEntries(result.rows.map((r) => [r.name, Number(r.bytes)]));
  };
  return {
    read: async () => {
      const sizes = await tables();
      const rows = await client.query<{ n: string }>(
        `select count(*)::text as n from "${schema}".events`,
      );
      return {
        sizeBytes: Object.values(sizes).reduce((sum, b) => sum + b, 0),
        usedBytes: null,
        walBytes: null,
        eventRows: Number(rows.rows[0]?.n ?? 0),
      };
    },
    tables,
    liveBytes: async () => {
      let bytes = 0;
      for (const name of Object.keys(await tables())) {
        const result = await client.query<{ b: string | null }>(
          `select sum(pg_column_size(t.*))::text as b from "${schema}"."${name}" t`,
        );
        bytes += Number(result.rows[0]?.b ?? 0);
      }
      return bytes;
    },
    close: () => client.end(),
  };
}
