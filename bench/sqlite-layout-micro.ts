/**
 * Micro-benchmark of the event log's page writes on SQLite (issue 9: bytes per streamed character
 * at 1 KB messages, and the tick's commit time). A writer tick appends one event per active
 * thread; in today's layout (`log`: the `events` table of migration 1, keyed by workspace, thread
 * and seq) each of those rows lands in its thread's own leaf of the primary-key index, so a tick
 * dirties about one index page per thread, whatever the rows' size. Compared, on fresh files with
 * the store's pragmas, over the same ticks:
 *
 * - `log`: today's table;
 * - `without-rowid`: the same key as a clustered `WITHOUT ROWID` table (no separate index, rows in
 *   the key's leaves);
 * - `staging`: each tick appends to a `recent_events` table keyed by an increasing integer (its new
 *   rows share the rightmost pages), and every `--merge-ms` of ticks one transaction moves those
 *   rows into `events` in key order (a thread's rows of that span land in its leaf at once). Reads
 *   would have to look in both tables; only the writes are measured here.
 * - `staging-sliced`: two such tables taking turns every `--merge-ms`; while one takes the ticks,
 *   the other is merged a slice of threads (by key range) per tick, then emptied — the merge
 *   spread over the period instead of one stall. Reads would look in three tables.
 *
 * Prints per layout: bytes written per tick (`/proc/self/io` write_bytes: WAL and checkpoints),
 * commit time per tick (mean, p99, max: the merge's ticks included; the WAL checkpoints run
 * between ticks every 100 ms, as the store's checkpointer thread runs them beside the writer, and
 * are not timed) and the file sizes at the end.
 * Not part of `npm run bench`.
 *
 * ```
 * npx tsx bench/sqlite-layout-micro.ts [--threads 800] [--ticks 300] [--payload 150] [--merge-ms 2000]
 * ```
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  CHECKPOINT_INTERVAL_MS,
} from "../src/store/sqlite/checkpointer.js";

interface Options {
  threads: number;
  ticks: number;
  payload: number;
  mergeMs: number;
}

const TICK_MS = 33;
const LAYOUTS = ["log", "without-rowid", "staging", "staging-sliced"] as const;
type Layout = (typeof LAYOUTS)[number];

function parseOptions(argv: string[]): Options {
  const options: Options = { threads: 800, ticks: 300, payload: 150, mergeMs: 2_000 };
  const names: Record<string, keyof Options> = {
    threads: "threads",
    ticks: "ticks",
    payload: "payload",
    "merge-ms": "mergeMs",
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]?.replace(/^--/, "") ?? ""];
    const value = Number(argv[i + 1]);
    if (key === undefined || !Number.isInteger(value) || value <= 0) {
      throw new Error(
        `usage: sqlite-layout-micro.ts [--threads N] [--ticks N] [--payload BYTES] [--merge-ms N] (got ${argv[i]} ${argv[i + 1]})`,
      );
    }
    options[key] = value;
  }
  return options;
}

/** Bytes this process has caused to be written to storage so far (Linux `/proc/self/io`). */
function writeBytes(): number {
  const line = readFileSync("/proc/self/io", "utf8")
    .split("\n")
    .find((l) => l.startsWith("write_bytes:"));
  return Number(line?.split(":")[1] ?? Number.NaN);
}

const COLUMNS = `workspace_id text not null, thread_id text not null, seq integer not null,
  type text not null, message_id text, revision integer, payload text not null,
  created_at integer not null`;

/** Opens a fresh file with the store's pragmas and the layout's tables. */
function open(path: string, layout: Layout): BetterSqlite3.Database {
  const db = new BetterSqlite3(path);
  db.pragma("auto_vacuum = INCREMENTAL");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("temp_store = MEMORY");
  // The store's writer leaves checkpoints to its checkpointer thread (every 100 ms) with this as a
  // backstop; here they run between ticks, untimed, and once at the end (counted in the bytes).
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  const key = "primary key (workspace_id, thread_id, seq)";
  db.exec(
    layout === "without-rowid"
      ? `create table events (${COLUMNS}, ${key}) without rowid`
      : `create table events (${COLUMNS}, ${key})`,
  );
  if (layout === "staging") {
    db.exec(`create table recent_events (id integer primary key, ${COLUMNS})`);
  }
  if (layout === "staging-sliced") {
    db.exec(`create table recent_a (id integer primary key, ${COLUMNS})`);
    db.exec(`create table recent_b (id integer primary key, ${COLUMNS})`);
  }
  return db;
}

/** One layout over `options.ticks` ticks: per tick one event per thread, in one transaction. */
function run(layout: Layout, options: Options, dir: string) {
  const path = join(dir, `${layout}.db`);
  const db = open(path, layout);
  const mergeEvery = Math.max(1, Math.round(options.mergeMs / TICK_MS));
  /** The table tick `t` appends to. */
  const targetOf = (t: number): string => {
    if (layout === "staging") return "recent_events";
    if (layout === "staging-sliced")
      return Math.floor(t / mergeEvery) % 2 === 0 ? "recent_a" : "recent_b";
    return "events";
  };
  const rowsPerStatement = 100;
  const placeholders = Array.from({ length: rowsPerStatement }, () => "(?, ?, ?, ?, ?, ?, ?, ?)");
  /** Statements prepared once per SQL text, as the store's statement cache does. */
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (text: string): BetterSqlite3.Statement => {
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  };
  const insertInto = (table: string, rows: number) =>
    prepared(
      `insert into ${table} (workspace_id, thread_id, seq, type, message_id, revision, payload, created_at) values ${placeholders.slice(0, rows).join(", ")}`,
    );
  const mergeStaged = () => {
    prepared(
      "insert into events select workspace_id, thread_id, seq, type, message_id, revision, payload, created_at from recent_events order by workspace_id, thread_id, seq",
    ).run();
    prepared("delete from recent_events").run();
  };
  const threads = Array.from(
    { length: options.threads },
    (_, i) => `thread-${i}-${"x".repeat(20)}`,
  );
  const sorted = [...threads].sort();
  /** Tick `t` of a period merges the threads of slice `t % mergeEvery` of the other table. */
  const mergeSlice = (t: number) => {
    const other = targetOf(t) === "recent_a" ? "recent_b" : "recent_a";
    const k = t % mergeEvery;
    const lo = sorted[Math.floor((k * sorted.length) / mergeEvery)];
    const hi = sorted[Math.floor(((k + 1) * sorted.length) / mergeEvery)];
    if (lo !== undefined && lo !== hi) {
      prepared(
        `insert into events select workspace_id, thread_id, seq, type, message_id, revision, payload, created_at from ${other} where thread_id >= ? ${hi === undefined ? "" : "and thread_id < ?"} order by workspace_id, thread_id, seq`,
      ).run(hi === undefined ? [lo] : [lo, hi]);
    }
    if (k === mergeEvery - 1) prepared(`delete from ${other}`).run();
  };
  const payload = JSON.stringify({
    chunks: [{ type: "text-delta", delta: "y".repeat(options.payload - 40) }],
  });
  const tick = db.transaction((t: number) => {
    const parameters: unknown[] = [];
    for (const thread of threads) {
      parameters.push(
        "default",
        thread,
        t,
        "message.delta",
        `${thread}-m`,
        t,
        payload,
        t * TICK_MS,
      );
      if (parameters.length === rowsPerStatement * 8) {
        insertInto(targetOf(t), rowsPerStatement).run(parameters);
        parameters.length = 0;
      }
    }
    if (parameters.length > 0) insertInto(targetOf(t), parameters.length / 8).run(parameters);
    if (layout === "staging" && (t + 1) % mergeEvery === 0) mergeStaged();
    if (layout === "staging-sliced") mergeSlice(t);
  });
  const before = writeBytes();
  const times: number[] = [];
  const checkpointEvery = Math.max(1, Math.round(CHECKPOINT_INTERVAL_MS / TICK_MS));
  for (let t = 0; t < options.ticks; t++) {
    const started = performance.now();
    tick(t);
    times.push(performance.now() - started);
    // As the store's checkpointer thread does every 100 ms, outside the writer's commits.
    if ((t + 1) % checkpointEvery === 0) db.pragma("wal_checkpoint(PASSIVE)");
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  const written = writeBytes() - before;
  db.close();
  const size = statSync(path).size;
  times.sort((a, b) => a - b);
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  return {
    layout,
    bytesPerTick: written / options.ticks,
    bytesPerEvent: written / (options.ticks * options.threads),
    meanMs: mean,
    p99Ms: times[Math.floor(times.length * 0.99)] ?? Number.NaN,
    maxMs: times.at(-1) ?? Number.NaN,
    fileMb: size / 1e6,
  };
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `event log layouts on SQLite: ${options.threads} threads × ${options.ticks} ticks, one ~${options.payload}-byte event per thread per tick, staging merged every ${options.mergeMs} ms of ticks`,
);
const dir = mkdtempSync(join(tmpdir(), "threadline-layout-"));
try {
  console.log(
    "| layout | bytes written / tick | per event | commit mean / p99 / max (ms) | file (MB) |",
  );
  console.log("|---|---|---|---|---|");
  for (const layout of LAYOUTS) {
    const r = run(layout, options, dir);
    console.log(
      `| ${r.layout} | ${Math.round(r.bytesPerTick).toLocaleString("en")} | ${Math.round(r.bytesPerEvent)} | ${r.meanMs.toFixed(1)} / ${r.p99Ms.toFixed(1)} / ${r.maxMs.toFixed(1)} | ${r.fileMb.toFixed(1)} |`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
