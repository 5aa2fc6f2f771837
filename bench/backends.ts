/**
 * The two databases every strategy runs on, created fresh for the run and removed afterwards: a
 * SQLite file per strategy in a temporary directory, and a PostgreSQL schema `bench_<random>_<strategy>`
 * per strategy at `DATABASE_URL`.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type ByteMeter, postgresLsnMeter, postgresWalMeter, sqliteByteMeter } from "./measure.js";
import { sleep } from "./producer.js";
import type { BackendTarget, StrategyName } from "./strategies/strategy.js";

/** One backend of the run. */
export interface BenchBackend {
  readonly name: "sqlite" | "postgres";
  /** A fresh database for one strategy. */
  target(strategy: StrategyName): BackendTarget;
  /** Counts bytes the backend writes for one strategy's database. */
  meter(target: BackendTarget): ByteMeter;
  /** A short description of the server, for the report. */
  readonly description: string;
  /** WAL bytes/s written by the cluster while the benchmark was idle (PostgreSQL only). */
  idleBytesPerSec(): Promise<number | null>;
  /** Drops everything the run created. */
  close(): Promise<void>;
}

/** Opens the SQLite backend in a new temporary directory. */
export function openSqliteBackend(): BenchBackend {
  const dir = mkdtempSync(join(tmpdir(), "threadline-bench-"));
  return {
    name: "sqlite",
    target: (strategy) => ({ name: "sqlite", path: join(dir, `${strategy}.db`) }),
    meter: () => sqliteByteMeter(),
    description: `SQLite file in ${dir} (WAL, synchronous=NORMAL)`,
    idleBytesPerSec: async () => null,
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens the PostgreSQL backend at `databaseUrl`, with one monitoring connection. */
export async function openPostgresBackend(databaseUrl: string): Promise<BenchBackend> {
  const prefix = `bench_${randomBytes(4).toString("hex")}`;
  const schemas: string[] = [];
  const monitor = new pg.Client({ connectionString: databaseUrl });
  await monitor.connect();
  const version = (
    await monitor.query<{ v: string }>("select current_setting('server_version') as v")
  ).rows[0]?.v;
  const settings = await monitor.query<{ name: string; setting: string }>(
    "select name, setting from pg_settings where name in ('synchronous_commit', 'fsync', 'full_page_writes')",
  );
  const cluster = postgresLsnMeter(monitor);
  const installed = await installWalInspect(monitor, `${prefix}_meter`);
  if (installed?.created) schemas.push(installed.schema);
  const extensionSchema = installed?.schema;
  return {
    name: "postgres",
    target: (strategy) => {
      const schema = `${prefix}_${strategy}`;
      schemas.push(schema);
      return { name: "postgres", connectionString: databaseUrl, schema };
    },
    meter: (target) =>
      extensionSchema && target.name === "postgres"
        ? postgresWalMeter(monitor, extensionSchema, target.schema)
        : cluster,
    description: `PostgreSQL ${version} (${settings.rows.map((r) => `${r.name}=${r.setting}`).join(", ")})`,
    idleBytesPerSec: async () => {
      const stop = await cluster.start();
      await sleep(1_000);
      return (await stop()).bytes;
    },
    close: async () => {
      for (const schema of schemas)
        await monitor.query(`drop schema if exists "${schema}" cascade`);
      await monitor.end();
    },
  };
}

/**
 * Finds `pg_walinspect`, or installs it in its own schema (dropped with the run's schemas), so WAL
 * can be attributed to one strategy. Needs a superuser; returns undefined (cluster-wide LSN deltas
 * are used instead) when that fails.
 */
async function installWalInspect(
  client: pg.Client,
  schema: string,
): Promise<{ schema: string; created: boolean } | undefined> {
  const existing = await client.query<{ schema: string }>(
    "select extnamespace::regnamespace::text as schema from pg_extension where extname = 'pg_walinspect'",
  );
  const found = existing.rows[0]?.schema;
  if (found) return { schema: found.replaceAll('"', ""), created: false };
  try {
    await client.query(`create schema "${schema}"`);
    await client.query(`create extension pg_walinspect with schema "${schema}"`);
    return { schema, created: true };
  } catch (error) {
    console.warn(`pg_walinspect unavailable (${String(error)}): counting cluster-wide WAL`);
    await client.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
    return undefined;
  }
}
