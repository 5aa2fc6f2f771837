/**
 * Measurement primitives of the benchmark: a latency histogram, CPU meters (this process and,
 * optionally, the PostgreSQL server processes) and byte meters (SQLite `write()` bytes of this
 * process, PostgreSQL WAL bytes).
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type pg from "pg";
import { clockTicksPerSecond } from "./http/cpu.js";

/** Smallest latency the histogram distinguishes (ms). */
const HISTOGRAM_FLOOR_MS = 0.01;
/** Relative width of a histogram bucket (1 %). */
const HISTOGRAM_GROWTH = 1.01;

/**
 * A log-bucketed latency histogram (1 % relative precision, 10 µs floor): cheap to record into on
 * the hot path, exact enough for p50/p99.
 *
 * @example
 * ```ts
 * const h = new Histogram();
 * h.record(3.2);
 * h.quantile(0.99); // ≈ 3.2
 * ```
 */
export class Histogram {
  private readonly buckets: number[] = [];
  count = 0;
  max = 0;
  private sum = 0;

  /** Records one value in ms. */
  record(ms: number): void {
    const index =
      ms <= HISTOGRAM_FLOOR_MS
        ? 0
        : Math.ceil(Math.log(ms / HISTOGRAM_FLOOR_MS) / Math.log(HISTOGRAM_GROWTH));
    this.buckets[index] = (this.buckets[index] ?? 0) + 1;
    this.count += 1;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  /** The value (ms, bucket upper bound) below which a fraction `q` of the records fall; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] ?? 0;
      if (seen >= rank) return Math.min(this.max, HISTOGRAM_FLOOR_MS * HISTOGRAM_GROWTH ** i);
    }
    return this.max;
  }

  /** Mean of the records in ms; 0 when empty. */
  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }
}

/** CPU time consumed over an interval, in µs. */
export interface CpuSample {
  /** This Node process (user + system). */
  processUs: number;
  /** The PostgreSQL server processes, when measured (every `postgres` process on this host). */
  databaseUs: number | undefined;
}

/**
 * Starts a CPU measurement; call the returned function at the end of the interval. The database
 * share sums `utime + stime` of every process named `postgres` visible in `/proc` (so it includes
 * other sessions' queries, if any run meanwhile).
 */
export function startCpu(includeDatabase: boolean): () => CpuSample {
  const start = process.cpuUsage();
  const dbStart = includeDatabase ? postgresCpuTicks() : undefined;
  return () => {
    const used = process.cpuUsage(start);
    let databaseUs: number | undefined;
    if (dbStart) {
      const dbEnd = postgresCpuTicks();
      let ticks = 0;
      for (const [pid, end] of dbEnd) ticks += end - (dbStart.get(pid) ?? 0);
      databaseUs = (ticks * 1_000_000) / clockTicksPerSecond();
    }
    return { processUs: used.user + used.system, databaseUs };
  };
}

/** utime + stime (clock ticks) of every `postgres` process, by pid. */
function postgresCpuTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
      // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
      const fields = stat.slice(close + 2).split(" ");
      ticks.set(pid, Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process exited meanwhile.
    }
  }
  return ticks;
}

/** How much the process and the machine were stalled over an interval. */
export interface StallSample {
  /** Event-loop delay of this process (ms): how late timers and I/O callbacks ran. */
  eventLoopDelayMs: { p99: number; max: number };
  /**
   * Share of the interval in which some task on the machine waited for I/O (`/proc/pressure/io`
   * "some", system-wide), in %; null where PSI is unavailable.
   */
  ioStallPct: number | null;
}

/**
 * Starts measuring stalls; call the returned function at the end of the interval. A blocked event
 * loop with little CPU used and a high I/O stall share means the process waited on the disk.
 */
export function startStalls(): () => StallSample {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const io0 = ioSomeTotalUs();
  const started = performance.now();
  return () => {
    delay.disable();
    const io1 = ioSomeTotalUs();
    const elapsedUs = (performance.now() - started) * 1000;
    return {
      eventLoopDelayMs: { p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 },
      ioStallPct: io0 === null || io1 === null ? null : ((io1 - io0) / elapsedUs) * 100,
    };
  };
}

const PSI_IO = "/proc/pressure/io";

function ioSomeTotalUs(): number | null {
  if (!existsSync(PSI_IO)) return null;
  const match = /^some .*total=(\d+)/m.exec(readFileSync(PSI_IO, "utf8"));
  return match ? Number(match[1]) : null;
}

/** Bytes written over an interval. */
export interface ByteCount {
  /** The figure reported as "bytes written" for this backend. */
  bytes: number;
  /** Backend-specific breakdown (e.g. cluster-wide WAL, full-page images). */
  detail?: Record<string, number>;
}

/** Measures bytes one backend writes over an interval. */
export interface ByteMeter {
  /** What is counted, for the report. */
  readonly source: string;
  /** Starts counting; the returned function stops and resolves the bytes written meanwhile. */
  start(): Promise<() => Promise<ByteCount>>;
}

/**
 * Bytes this process passed to `write()`/`pwrite()` (`/proc/self/io` `wchar`). SQLite runs in
 * this process, so during a SQLite phase this is every WAL frame and checkpoint write it made.
 */
export function sqliteByteMeter(): ByteMeter {
  const read = () => Number(/wchar:\s*(\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? 0);
  return {
    source: "/proc/self/io wchar: SQLite WAL frames + checkpoint writes of this process",
    start: async () => {
      const before = read();
      return async () => ({ bytes: read() - before });
    },
  };
}

const LSN_SQL = "pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text";

/**
 * WAL bytes inserted by the whole PostgreSQL cluster (`pg_current_wal_insert_lsn()` deltas) over a
 * dedicated connection. Cluster-wide: other sessions' writes count too.
 */
export function postgresLsnMeter(client: pg.Client): ByteMeter {
  const read = async () =>
    Number((await client.query<{ b: string }>(`select ${LSN_SQL} as b`)).rows[0]?.b);
  return {
    source: "pg_current_wal_insert_lsn() deltas (cluster-wide WAL bytes)",
    start: async () => {
      const before = await read();
      return async () => ({ bytes: (await read()) - before });
    },
  };
}

/**
 * WAL bytes attributable to one schema, read back with `pg_walinspect` (installed in
 * `extensionSchema`): every record touching a relation of `dataSchema` (tables, indexes, TOAST),
 * plus the commit records of those transactions, each rounded up to its 8-byte alignment. Other
 * sessions' WAL is excluded; `detail.clusterBytes` has the cluster-wide figure for comparison.
 */
export function postgresWalMeter(
  client: pg.Client,
  extensionSchema: string,
  dataSchema: string,
): ByteMeter {
  const lsns = async () =>
    (
      await client.query<{ flush: string; insert: string }>(
        `select pg_current_wal_flush_lsn()::text as flush, ${LSN_SQL} as insert`,
      )
    ).rows[0] as { flush: string; insert: string };
  return {
    source: `pg_walinspect records of schema ${dataSchema} (+ their commit records)`,
    start: async () => {
      const before = await lsns();
      return async () => {
        const after = await lsns();
        const result = await client.query<{ ours: string | null; fpi: string | null }>(
          attributionSql(extensionSchema),
          [dataSchema, before.flush, after.flush],
        );
        const row = result.rows[0];
        return {
          bytes: Number(row?.ours ?? 0),
          detail: {
            fpiBytes: Number(row?.fpi ?? 0),
            clusterBytes: Number(after.insert) - Number(before.insert),
          },
        };
      };
    },
  };
}

function attributionSql(extensionSchema: string): string {
  return `
    with rels as (
      select c.oid from pg_class c where c.relnamespace = $1::regnamespace
      union select c.reltoastrelid from pg_class c where c.relnamespace = $1::regnamespace and c.reltoastrelid <> 0
      union select i.indexrelid from pg_index i join pg_class c on c.reltoastrelid = i.indrelid
        where c.relnamespace = $1::regnamespace
    ),
    nodes as (select pg_relation_filenode(oid)::text as node from rels),
    db as (select oid::text as oid from pg_database where datname = current_database()),
    recs as (
      select r.xid, r.resource_manager, r.record_length, r.fpi_length,
        exists (
          select 1 from regexp_matches(coalesce(r.block_ref, ''), 'rel \\d+/(\\d+)/(\\d+)', 'g') m
          where m[1] = (select oid from db) and m[2] in (select node from nodes)
        ) as touches
      from "${extensionSchema}".pg_get_wal_records_info($2::pg_lsn, $3::pg_lsn) r
    ),
    xids as (select distinct xid from recs where touches and xid <> 0),
    ours as (
      select * from recs
      where touches or (resource_manager = 'Transaction' and xid in (select xid from xids))
    )
    select sum((record_length + 7) / 8 * 8)::text as ours, sum(fpi_length)::text as fpi from ours`;
}
