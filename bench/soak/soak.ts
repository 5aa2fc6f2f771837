/**
 * `npm run bench -- --soak`: Threadline alone, S constant live streams for many minutes per
 * backend, with log compaction (R32) on a short resume horizon so that it reaches steady state
 * within the run (issue 8 item 3). Every sample — database size, event rows, RSS and heap, p50/p99
 * delta → subscriber latency over the interval, final characters stored and bytes per character —
 * is printed as a table line; at the end a summary per backend, bench/results/soak.json and one
 * PNG per backend (size, RSS and p99 over time).
 */
import Database from "better-sqlite3";
import { type Clock, systemClock } from "../../src/clock.js";
import { EventHub } from "../../src/observe.js";
import { type BenchBackend, openPostgresBackend, openSqliteBackend } from "../backends.js";
import { prepareStream, runStream, type StreamShape, sleep } from "../producer.js";
import type { BenchThread } from "../strategies/strategy.js";
import { openThreadlineStrategy } from "../strategies/threadline.js";
import { IntervalTracker } from "./interval-tracker.js";
import {
  formatSample,
  round,
  SAMPLE_HEADER,
  type SoakSample,
  type SoakSummary,
  summarize,
} from "./soak-sample.js";
import { probeIncrementalVacuum, type VacuumProbe } from "./sqlite-vacuum-probe.js";
import { openStorageMeter, type StorageMeter, type TableBytes } from "./storage-meter.js";

/** Options of a soak run (`--soak-*` flags, see bench/cli.ts). */
export interface SoakOptions {
  /** Streaming time per backend (min). */
  minutes: number;
  /** Constant number of live streams. */
  streams: number;
  /** Time between two samples (s). */
  sampleS: number;
  backends: ("sqlite" | "postgres")[];
  databaseUrl: string;
}

/** 50 deltas/s of 4 characters per stream; a message is finished at 8 KB and the next begun. */
export const SOAK_SHAPE: StreamShape = {
  deltaIntervalMs: 20,
  deltaChars: 4,
  maxMessageChars: 8 * 1024,
};

/**
 * Compaction of the soak run: deltas of a message finished over 60 s ago go, checked every 5 s,
 * at most 1 000 rows per transaction (the default).
 */
export const SOAK_COMPACTION = { resumeHorizonMs: 60_000, intervalMs: 5_000, batchRows: 1_000 };

/** What one backend's run produced (soak.json). */
export interface SoakBackendResult {
  backend: "sqlite" | "postgres";
  description: string;
  samples: SoakSample[];
  summary: SoakSummary;
  /**
   * After the streams stopped and every message finished, the clock was moved past the horizon
   * and compaction left to finish: the "bytes stored per character of final message
   * text after compaction".
   */
  afterCompaction: {
    sizeBytes: number;
    usedBytes: number | null;
    eventRows: number;
    finalChars: number;
    bytesPerChar: number;
    usedBytesPerChar: number | null;
    /** SQLite: pages in use; PostgreSQL: live rows as stored (see {@link StorageMeter.liveBytes}). */
    liveBytes: number;
    liveBytesPerChar: number;
    /** Bytes per table (SQLite: pages in use; PostgreSQL: total relation size). */
    tables: TableBytes;
  };
  /** SQLite only: the `auto_vacuum = INCREMENTAL` probe. */
  vacuumProbe: VacuumProbe | null;
  counters: Record<string, number>;
}

const SETUP_CONCURRENCY = 16;
/** Compaction is done when no batch was reported for this long (> one interval). */
const COMPACTION_QUIET_MS = SOAK_COMPACTION.intervalMs + 2_000;

/**
 * Runs the soak on each backend in turn and returns the results; prints as it goes.
 * @throws whatever opening a backend or Threadline throws (e.g. PostgreSQL unreachable).
 */
export async function runSoak(
  options: SoakOptions,
  onBackend: (backend: BenchBackend | undefined) => void = () => {},
): Promise<SoakBackendResult[]> {
  const results: SoakBackendResult[] = [];
  for (const name of options.backends) {
    const backend =
      name === "sqlite" ? openSqliteBackend() : await openPostgresBackend(options.databaseUrl);
    onBackend(backend);
    try {
      results.push(await soakBackend(backend, options));
    } finally {
      await backend.close();
      onBackend(undefined);
    }
  }
  return results;
}

/** A system clock that can be moved forward, to let compaction pass its horizon at the end. */
function skippableClock(): Clock & { skip(ms: number): void } {
  let offsetMs = 0;
  return {
    now: () => systemClock.now() + offsetMs,
    setTimeout: systemClock.setTimeout,
    clearTimeout: systemClock.clearTimeout,
    skip: (ms) => {
      offsetMs += ms;
    },
  };
}

async function soakBackend(
  backend: BenchBackend,
  options: SoakOptions,
): Promise<SoakBackendResult> {
  const target = backend.target("threadline");
  const clock = skippableClock();
  const events = new EventHub();
  let compactedRows = 0;
  let lastCompactedAt = 0;
  events.on("lifecycle:compacted", ({ rows }) => {
    compactedRows += rows;
    lastCompactedAt = performance.now();
  });
  const strategy = await openThreadlineStrategy(target, {
    compaction: SOAK_COMPACTION,
    events,
    clock,
  });
  const meter = await openStorageMeter(target);
  const tracker = new IntervalTracker(SOAK_SHAPE.maxMessageChars);
  const tag = `[soak ${backend.name}]`;
  console.log(
    `\n== ${tag} ${backend.description}: ${options.streams} streams × ${options.minutes} min, ` +
      `horizon ${SOAK_COMPACTION.resumeHorizonMs / 1000} s, compaction every ${SOAK_COMPACTION.intervalMs / 1000} s`,
  );
  let threads: BenchThread[] = [];
  try {
    threads = await mapLimit(options.streams, () => strategy.openThread(tracker.onDelivery));
    const prepared = await mapLimit(options.streams, (i) =>
      prepareStream(threads[i] as BenchThread, tracker, prefill(i, options.streams)),
    );
    tracker.takeInterval();
    const t0 = performance.now() + 20;
    const stopAt = t0 + options.minutes * 60_000;
    const running = prepared.map((stream, i) =>
      runStream(
        stream,
        tracker,
        SOAK_SHAPE,
        t0 + (i * SOAK_SHAPE.deltaIntervalMs) / options.streams,
        stopAt,
      ),
    );
    console.log(SAMPLE_HEADER);
    const samples: SoakSample[] = [];
    for (let k = 1; t0 + k * options.sampleS * 1000 <= stopAt + 1; k++) {
      await sleep(t0 + k * options.sampleS * 1000 - performance.now());
      const sample = await takeSample(meter, tracker, t0, compactedRows);
      samples.push(sample);
      console.log(formatSample(sample));
    }
    const ended = await Promise.all(running);
    const snapshot =
      backend.name === "sqlite" && target.name === "sqlite" ? `${target.path}.snapshot` : null;
    if (snapshot && target.name === "sqlite") {
      await backupSqlite(target.path, snapshot);
    }
    await Promise.all(ended.map((s) => s.message.finish()));
    const drainUntil = performance.now() + 5_000;
    while (tracker.written > tracker.delivered && performance.now() < drainUntil) await sleep(20);
    const afterCompaction = await compactEverything(meter, tracker, clock, () => lastCompactedAt);
    const summary = summarize(samples);
    const result: SoakBackendResult = {
      backend: backend.name,
      description: backend.description,
      samples,
      summary,
      afterCompaction,
      vacuumProbe: snapshot ? probeIncrementalVacuum(snapshot, SOAK_COMPACTION.batchRows) : null,
      counters: { ...strategy.counters(), compactedRows },
    };
    return result;
  } finally {
    await Promise.all(threads.map((t) => t.close()));
    await meter.close();
    await strategy.close();
  }
}

async function takeSample(
  meter: StorageMeter,
  tracker: IntervalTracker,
  t0: number,
  compactedRows: number,
): Promise<SoakSample> {
  const interval = tracker.takeInterval();
  const memory = process.memoryUsage();
  const reading = await meter.read();
  const finalChars = tracker.chars;
  return {
    elapsedS: round((performance.now() - t0) / 1000),
    ...reading,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    latencyMs: interval.latencyMs,
    backlog: interval.backlog,
    finalChars,
    bytesPerChar: round(reading.sizeBytes / finalChars),
    usedBytesPerChar: reading.usedBytes === null ? null : round(reading.usedBytes / finalChars),
    compactedRows,
  };
}

/**
 * Moves the clock past the horizon and waits until compaction has been quiet for longer than one
 * interval, then reads the sizes: every message is finished, so no delta should be left.
 */
async function compactEverything(
  meter: StorageMeter,
  tracker: IntervalTracker,
  clock: { skip(ms: number): void },
  lastCompactedAt: () => number,
): Promise<SoakBackendResult["afterCompaction"]> {
  clock.skip(SOAK_COMPACTION.resumeHorizonMs + 1_000);
  const skippedAt = performance.now();
  while (performance.now() - Math.max(skippedAt, lastCompactedAt()) < COMPACTION_QUIET_MS) {
    await sleep(500);
  }
  const reading = await meter.read();
  const finalChars = tracker.chars;
  const liveBytes = await meter.liveBytes();
  return {
    liveBytes,
    liveBytesPerChar: round(liveBytes / finalChars),
    sizeBytes: reading.sizeBytes,
    usedBytes: reading.usedBytes,
    eventRows: reading.eventRows,
    finalChars,
    bytesPerChar: round(reading.sizeBytes / finalChars),
    usedBytesPerChar: reading.usedBytes === null ? null : round(reading.usedBytes / finalChars),
    tables: await meter.tables(),
  };
}

/** An online copy of the live SQLite file (better-sqlite3's backup API). */
async function backupSqlite(path: string, destination: string): Promise<void> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    await db.backup(destination);
  } finally {
    db.close();
  }
}

/** Stream `i` of `n` starts its first message at a size spread evenly over 0–8 KB. */
function prefill(i: number, n: number): number {
  const { maxMessageChars, deltaChars } = SOAK_SHAPE;
  return Math.floor((((i + 0.5) / n) * maxMessageChars) / deltaChars) * deltaChars;
}

async function mapLimit<R>(count: number, fn: (index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, count) }, worker));
  return results;
}
