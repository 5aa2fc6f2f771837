/**
 * Micro-benchmark of the worker-backed SQLite driver (issue 9 "SQLite I/O off the event loop"):
 * N transactions of a writer tick's shape — one multi-row INSERT of `--rows` rows of ~150 bytes —
 * run one after another (each from its own macrotask, as the writer's ticks are), on the in-thread
 * driver (`sqlite:PATH`) and on the worker driver (`sqlite:PATH?worker=1`), alternately for
 * `--rounds` rounds, each on a fresh file in a temporary directory with the same pragmas. Prints,
 * per run: transactions per second, the mean time per transaction, and the event-loop delay
 * (`perf_hooks.monitorEventLoopDelay`, 1 ms resolution: how late a timer or an incoming chunk is
 * handled while the transactions run) plus how many 1 ms timers fired. Not part of `npm run bench`.
 *
 * ```
 * npx tsx bench/sqlite-worker-micro.ts [--transactions 200] [--rows 500] [--rounds 2]
 * ```
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { type Kysely, sql } from "kysely";
import { openSqliteDriver } from "../src/store/sqlite/sqlite-store-driver.js";
import { openSqliteWorkerDriver } from "../src/store/sqlite-worker/sqlite-worker-store-driver.js";
import type { StoreDriver } from "../src/store/store-driver.js";

interface Options {
  transactions: number;
  rows: number;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { transactions: 200, rows: 500, rounds: 2 };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, "");
    const value = Number(argv[i + 1]);
    const known = name === "transactions" || name === "rows" || name === "rounds";
    if (!known || !Number.isInteger(value) || value <= 0) {
      throw new Error(
        `usage: sqlite-worker-micro.ts [--transactions N] [--rows N] (got ${argv[i]})`,
      );
    }
    options[name] = value;
  }
  return options;
}

/** ~150 bytes of JSON, like a small `message.delta` event's data. */
const PAYLOAD = JSON.stringify({
  chunks: [{ type: "text-delta", id: "t", delta: "x".repeat(96) }],
});

interface Result {
  transactionsPerSecond: number;
  /** Wall time per transaction, the yield before it included. */
  commitMeanMs: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  timersFired: number;
  elapsedMs: number;
}

async function measure(driver: StoreDriver, options: Options): Promise<Result> {
  // biome-ignore lint/suspicious/noExplicitAny: a table outside Threadline's schema
  const db = driver.db as unknown as Kysely<any>;
  await sql`create table bench_events (id integer primary key, thread text, seq integer, data text)`.execute(
    db,
  );
  let seq = 0;
  const tick = async () => {
    const rows = Array.from({ length: options.rows }, (_, i) => {
      seq += 1;
      return sql`(${`thread-${i}`}, ${seq}, ${PAYLOAD})`;
    });
    await db.transaction().execute(async (trx) => {
      await sql`insert into bench_events (thread, seq, data) values ${sql.join(rows)}`.execute(trx);
    });
  };
  for (let i = 0; i < 5; i++) await tick(); // warm the statement caches and the worker

  let timersFired = 0;
  const timer = setInterval(() => {
    timersFired += 1;
  }, 1);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const started = performance.now();
  for (let i = 0; i < options.transactions; i++) {
    await new Promise((resolve) => setImmediate(resolve)); // a tick is a timer callback
    await tick();
  }
  const elapsedMs = performance.now() - started;
  histogram.disable();
  clearInterval(timer);
  return {
    transactionsPerSecond: (options.transactions / elapsedMs) * 1000,
    commitMeanMs: elapsedMs / options.transactions,
    delayP50Ms: histogram.percentile(50) / 1e6,
    delayP99Ms: histogram.percentile(99) / 1e6,
    delayMaxMs: histogram.max / 1e6,
    timersFired,
    elapsedMs,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), "threadline-worker-micro-"));
  const results: Record<string, Result> = {};
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const inThread = await openSqliteDriver(join(dir, `in-thread-${round}.db`));
      results[`in-thread #${round}`] = await measure(inThread, options);
      await inThread.close();
      const worker = await openSqliteWorkerDriver(join(dir, `worker-${round}.db`));
      results[`worker #${round}`] = await measure(worker, options);
      await worker.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `${options.transactions} transactions of one ${options.rows}-row INSERT (~${PAYLOAD.length} B of data per row), one after another`,
  );
  console.table(
    Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          "tx/s": Math.round(r.transactionsPerSecond),
          "ms per tx": r.commitMeanMs.toFixed(2),
          "loop delay p50 ms": r.delayP50Ms.toFixed(2),
          "loop delay p99 ms": r.delayP99Ms.toFixed(2),
          "loop delay max ms": r.delayMaxMs.toFixed(2),
          "1 ms timers fired": r.timersFired,
          "elapsed ms": Math.round(r.elapsedMs),
        },
      ]),
    ),
  );
}

await main();
