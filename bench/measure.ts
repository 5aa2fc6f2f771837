/**
 * Measurement primitives of the benchmark: a latency histogram, CPU meters (this process and,
 * optionally, the PostgreSQL server processes) and byte meters (SQLite `write()` bytes of this
 * process, PostgreSQL WAL bytes).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type pg from "pg";

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

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
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

/** Reads a monotonically growing count of bytes written by one backend. */
export interface ByteMeter {
  /** What is counted, for the report. */
  readonly source: string;
  /** The current count in bytes. */
  read(): Promise<number>;
}

/**
 * Bytes this process passed to `write()`/`pwrite()` (`/proc/self/io` `wchar`). SQLite runs in
 * this process, so during a SQLite phase this is every WAL frame and checkpoint write it made.
 */
export function sqliteByteMeter(): ByteMeter {
  return {
    source: "/proc/self/io wchar (SQLite WAL frames + checkpoint writes of this process)",
    read: async () => {
      const match = /wchar:\s*(\d+)/.exec(readFileSync("/proc/self/io", "utf8"));
      return Number(match?.[1] ?? 0);
    },
  };
}

/**
 * WAL bytes inserted by the whole PostgreSQL cluster (`pg_current_wal_insert_lsn()` differences),
 * read over a dedicated connection. Cluster-wide: other sessions' writes count too.
 */
export function postgresByteMeter(client: pg.Client): ByteMeter {
  return {
    source: "pg_current_wal_insert_lsn() delta (cluster-wide WAL bytes)",
    read: async () => {
      const result = await client.query<{ bytes: string }>(
        "select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text as bytes",
      );
      return Number(result.rows[0]?.bytes ?? 0);
    },
  };
}
