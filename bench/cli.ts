/**
 * Command-line and environment options of `npm run bench` (parsed by `node:util`'s `parseArgs`;
 * `npm run bench -- --help` prints {@link USAGE}).
 *
 * Every flag also reads `BENCH_<FLAG>` (e.g. `BENCH_DURATION_MS=2000`, `BENCH_QUICK=1`); a flag
 * on the command line wins. PostgreSQL is `DATABASE_URL` (default
 * `postgres://root@127.0.0.1:5432/test`). A bad value (a count that is not a positive integer, an
 * unknown backend or strategy, an unknown flag) throws a `BenchUsageError` naming the flag.
 */
import { parseArgs } from "node:util";
import { HTTP_BACKENDS, type HttpBackend } from "./http/servers.js";
import type { StrategyName } from "./strategies/strategy.js";

/** What `npm run bench -- --help` prints. */
export const USAGE = `npm run bench -- [flags]            the in-process bench (≈ 7 min; --quick ≈ 40 s)
  --quick                         smoke run: short windows, ladder 5,50,400
  --duration-ms N                 measurement window of a capacity step (default 3000)
  --warmup-ms N                   warm-up before each window (default 600)
  --ladder N,N,…                  stream counts the capacity search may try
  --start N                       stream count the search starts at (default 20)
  --refine N                      extra steps between the last passing and first failing rung (default 1)
  --retry-marginal 0|1            re-run a marginally failing step once (default 1)
  --bytes-streams N               streams of the fixed-size bytes phases (default 10)
  --bytes-duration-ms N           window of a bytes phase (default 8000)
  --p99-ms N                      latency and producer-lag p99 limit for "keeps up" (default 100)
  --backends sqlite,postgres      backends to run (default both)
  --strategies naive,window,threadline[,floor]
  --sqlite-worker 0|1             Threadline's SQLite connection in a worker thread (default 0)
  --out PATH                      JSON results (default bench/results/latest.json)
npm run bench -- --http [--quick] [--http-backends ${HTTP_BACKENDS.join(",")}]
  [--http-steps N,N,…]            the end-to-end bench of bench/http; --http-steps runs just those
                                  stream counts (fresh processes each) instead of the search
npm run bench -- --soak [--soak-minutes 10] [--soak-streams 200] [--soak-sample-s 30]
  [--backends sqlite,postgres] [--soak-dir bench/results]
                                  Threadline alone at constant traffic for minutes per backend
Every flag also reads BENCH_<FLAG> (BENCH_DURATION_MS=2000, BENCH_QUICK=1); PostgreSQL is
DATABASE_URL (default postgres://root@127.0.0.1:5432/test). See bench/README.md.`;

/** A flag or `BENCH_*` value the bench cannot run with; its message names the flag. */
export class BenchUsageError extends Error {
  override name = "BenchUsageError";
}

/** Resolved benchmark options. */
export interface BenchOptions {
  quick: boolean;
  /** Measurement window of a capacity step (ms). */
  durationMs: number;
  /** Warm-up before each window, excluded from the figures (ms). */
  warmupMs: number;
  /** Stream counts the capacity search may try. */
  ladder: number[];
  /** Stream count the search starts at. */
  start: number;
  /** Extra steps between the largest passing and the first failing rung. */
  refine: number;
  /** Re-runs of a marginally failing capacity step (0 or 1). */
  retryMarginal: number;
  /** Streams of the fixed-size bytes phases. */
  bytesStreams: number;
  /**
   * Measurement window of a bytes phase (ms; default 8 000): longer than the SQLite store's
   * longest cycle of moving recent events into the log (~4 s at light load), so the deferred
   * writes of that move are counted.
   */
  bytesDurationMs: number;
  /** Latency and producer-lag p99 limit for "keeps up" (ms). */
  p99Ms: number;
  backends: ("sqlite" | "postgres")[];
  strategies: StrategyName[];
  databaseUrl: string;
  out: string;
  /**
   * Threadline on SQLite runs its connection in a worker thread (`--sqlite-worker 0|1`, default 0,
   * the library's default: the worker keeps the event loop free but each statement's round trip
   * waits for the busy main thread — 400 streams with it against 800 without, 2026-12-01).
   */
  sqliteWorker: boolean;
  /** Run the end-to-end HTTP bench (bench/http) instead of the in-process one. */
  http: boolean;
  /** Servers the HTTP bench measures. */
  httpBackends: HttpBackend[];
  /**
   * `--http-steps`: the stream counts to run, in order, on fresh processes each, with the full
   * windows, instead of the capacity search (no table, no JSON); empty for the search.
   */
  httpSteps: number[];
  /**
   * `--soak`: Threadline alone at a constant number of live streams for minutes per backend
   * (bench/soak/); null otherwise.
   */
  soak: SoakFlags | null;
}

/** The `--soak-*` flags. */
export interface SoakFlags {
  /** Streaming time per backend (min, default 10). */
  minutes: number;
  /** Constant live streams (default 200). */
  streams: number;
  /** Time between samples (s, default 30). */
  sampleS: number;
  /** Where soak.json and soak-<backend>.png go (default bench/results). */
  dir: string;
}

const FULL = {
  durationMs: 3_000,
  warmupMs: 600,
  ladder: [1, 2, 5, 10, 20, 50, 100, 200, 400, 800, 1600, 2400, 3200],
  start: 20,
  refine: 1,
  retryMarginal: 1,
  bytesStreams: 10,
  bytesDurationMs: 8_000,
};

const QUICK = {
  durationMs: 800,
  warmupMs: 250,
  ladder: [5, 50, 400],
  start: 5,
  refine: 0,
  retryMarginal: 0,
  bytesStreams: 5,
  bytesDurationMs: 500,
};

const BOOLEAN_FLAGS = ["quick", "help", "http", "soak"] as const;
const VALUE_FLAGS = [
  "duration-ms",
  "warmup-ms",
  "ladder",
  "start",
  "refine",
  "retry-marginal",
  "bytes-streams",
  "bytes-duration-ms",
  "p99-ms",
  "backends",
  "strategies",
  "sqlite-worker",
  "out",
  "http-backends",
  "http-steps",
  "soak-minutes",
  "soak-streams",
  "soak-sample-s",
  "soak-dir",
] as const;
const BACKENDS = ["sqlite", "postgres"] as const;
const STRATEGIES: readonly StrategyName[] = ["naive", "window", "threadline", "floor"];

/**
 * Parses `argv` (without node and script) and the `BENCH_*` environment. Returns `"help"` for
 * `--help` (the caller prints {@link USAGE}).
 *
 * @throws BenchUsageError for an unknown flag, a stray argument, a count that is not a
 *   non-negative integer (`--refine`, `--retry-marginal`, `--warmup-ms` may be 0; every other
 *   count is ≥ 1), soak minutes or sample seconds that are not a number > 0, an unknown backend or
 *   strategy, or a `--sqlite-worker` other than 0 or 1.
 */
export function parseOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BenchOptions | "help" {
  let values: Partial<Record<(typeof BOOLEAN_FLAGS)[number], boolean>> &
    Partial<Record<(typeof VALUE_FLAGS)[number], string>>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries([
        ...BOOLEAN_FLAGS.map((name) => [name, { type: "boolean" as const }]),
        ...VALUE_FLAGS.map((name) => [name, { type: "string" as const }]),
      ]),
      strict: true,
      allowPositionals: false,
    }) as { values: typeof values });
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message} (npm run bench -- --help)`);
  }
  if (values.help) return "help";
  const get = (name: (typeof VALUE_FLAGS)[number]): string | undefined =>
    values[name] ?? env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
  const flag = (name: (typeof BOOLEAN_FLAGS)[number]): boolean => {
    if (values[name]) return true;
    const value = env[`BENCH_${name.toUpperCase()}`];
    return value === "1" || value === "true";
  };
  const count = (name: (typeof VALUE_FLAGS)[number], text: string, min: number): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || text.trim() === "")
      throw new BenchUsageError(
        `--${name} takes an integer ≥ ${min} (got ${JSON.stringify(text)})`,
      );
    return value;
  };
  const num = (name: (typeof VALUE_FLAGS)[number], fallback: number, min = 1): number => {
    const text = get(name);
    return text === undefined ? fallback : count(name, text, min);
  };
  /** A duration that may be fractional (`--soak-minutes 0.5`), > 0. */
  const positive = (name: (typeof VALUE_FLAGS)[number], fallback: number): number => {
    const text = get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0 || text.trim() === "")
      throw new BenchUsageError(`--${name} takes a number > 0 (got ${JSON.stringify(text)})`);
    return value;
  };
  const counts = (name: (typeof VALUE_FLAGS)[number], fallback: number[]): number[] => {
    const text = get(name);
    return text === undefined ? fallback : items(name, text).map((item) => count(name, item, 1));
  };
  const items = (name: (typeof VALUE_FLAGS)[number], text: string): string[] => {
    const list = text.split(",").filter(Boolean);
    if (list.length === 0) throw new BenchUsageError(`--${name} takes a comma-separated list`);
    return list;
  };
  const oneOf = <T extends string>(
    name: (typeof VALUE_FLAGS)[number],
    known: readonly T[],
    fallback: readonly T[],
  ): T[] => {
    const text = get(name);
    if (text === undefined) return [...fallback];
    return items(name, text).map((item) => {
      if (!known.includes(item as T))
        throw new BenchUsageError(
          `--${name}: unknown ${JSON.stringify(item)} (one of ${known.join(", ")})`,
        );
      return item as T;
    });
  };
  const quick = flag("quick");
  const base = quick ? QUICK : FULL;
  const sqliteWorker = get("sqlite-worker") ?? "0";
  if (sqliteWorker !== "0" && sqliteWorker !== "1")
    throw new BenchUsageError(`--sqlite-worker takes 0 or 1 (got ${JSON.stringify(sqliteWorker)})`);
  return {
    quick,
    durationMs: num("duration-ms", base.durationMs),
    warmupMs: num("warmup-ms", base.warmupMs, 0),
    ladder: counts("ladder", base.ladder),
    start: num("start", base.start),
    refine: num("refine", base.refine, 0),
    retryMarginal: num("retry-marginal", base.retryMarginal, 0),
    bytesStreams: num("bytes-streams", base.bytesStreams),
    bytesDurationMs: num("bytes-duration-ms", base.bytesDurationMs),
    p99Ms: num("p99-ms", 100),
    backends: oneOf("backends", BACKENDS, BACKENDS),
    strategies: oneOf("strategies", STRATEGIES, ["naive", "window", "threadline"]),
    databaseUrl: env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
    out: get("out") ?? "bench/results/latest.json",
    sqliteWorker: sqliteWorker === "1",
    http: flag("http"),
    httpBackends: oneOf("http-backends", HTTP_BACKENDS, HTTP_BACKENDS),
    httpSteps: counts("http-steps", []),
    soak: flag("soak")
      ? {
          minutes: positive("soak-minutes", 10),
          streams: num("soak-streams", 200),
          sampleS: positive("soak-sample-s", 30),
          dir: get("soak-dir") ?? "bench/results",
        }
      : null,
  };
}
