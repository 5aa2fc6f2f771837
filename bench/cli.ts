/**
 * Command-line and environment options of `npm run bench`.
 *
 * ```
 * npm run bench -- [--quick] [--duration-ms 3000] [--warmup-ms 600] [--ladder 1,2,5,10,…]
 *   [--start 20] [--refine 1] [--retry-marginal 1] [--bytes-streams 10] [--bytes-duration-ms 8000] [--p99-ms 100]
 *   [--backends sqlite,postgres] [--strategies naive,window,threadline] [--sqlite-worker 0|1] [--out PATH]
 * npm run bench -- --http [--quick] [--http-backends node-floor,threadline-sqlite,threadline-sqlite-worker,threadline-postgres,ds-memory,ds-file]
 *   [--http-steps 200,200]
 * ```
 * npm run bench -- --soak [--soak-minutes 10] [--soak-streams 200] [--soak-sample-s 30]
 *   [--backends sqlite,postgres] [--soak-dir bench/results]
 * `--soak` runs Threadline alone at constant traffic for minutes per backend (bench/soak/).
 * `--http` runs the end-to-end bench of bench/http (see bench/README.md) instead; `--http-steps`
 * runs just those stream counts (full windows, fresh processes each) instead of its capacity search:
 * for A/B runs and profiles (`BENCH_SERVER_NODE_ARGS`).
 * Every flag also reads `BENCH_<FLAG>` (e.g. `BENCH_DURATION_MS=2000`, `BENCH_QUICK=1`);
 * PostgreSQL is `DATABASE_URL` (default `postgres://root@127.0.0.1:5432/test`).
 */
import { HTTP_BACKENDS, type HttpBackend } from "./http/servers.js";
import type { StrategyName } from "./strategies/strategy.js";

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

/** Parses `argv` (without node and script) and the `BENCH_*` environment. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (name === "quick" || name === "help" || name === "http" || name === "soak")
      flags.set(name, "1");
    else flags.set(name, inline ?? argv[++i] ?? "");
  }
  if (flags.has("help")) {
    console.log("see bench/cli.ts for the flags");
    process.exit(0);
  }
  const get = (name: string): string | undefined =>
    flags.get(name) ?? env[`BENCH_${name.toUpperCase().replaceAll("-", "_")}`];
  const quick = get("quick") === "1" || get("quick") === "true";
  const base = quick ? QUICK : FULL;
  const num = (name: string, fallback: number) => {
    const value = get(name);
    return value === undefined ? fallback : Number(value);
  };
  const list = (name: string, fallback: string[]) =>
    get(name)?.split(",").filter(Boolean) ?? fallback;
  return {
    quick,
    durationMs: num("duration-ms", base.durationMs),
    warmupMs: num("warmup-ms", base.warmupMs),
    ladder: list("ladder", base.ladder.map(String)).map(Number),
    start: num("start", base.start),
    refine: num("refine", base.refine),
    retryMarginal: num("retry-marginal", base.retryMarginal),
    bytesStreams: num("bytes-streams", base.bytesStreams),
    bytesDurationMs: num("bytes-duration-ms", base.bytesDurationMs),
    p99Ms: num("p99-ms", 100),
    backends: list("backends", ["sqlite", "postgres"]) as BenchOptions["backends"],
    strategies: list("strategies", ["naive", "window", "threadline"]) as StrategyName[],
    databaseUrl: env.DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test",
    out: get("out") ?? "bench/results/latest.json",
    sqliteWorker: (get("sqlite-worker") ?? "0") === "1",
    http: get("http") === "1" || get("http") === "true",
    httpBackends: list("http-backends", [...HTTP_BACKENDS]) as HttpBackend[],
    httpSteps: list("http-steps", []).map((step) => {
      const streams = Number(step);
      if (!Number.isInteger(streams) || streams <= 0)
        throw new Error(`--http-steps takes positive stream counts, e.g. 200,280 (got ${step})`);
      return streams;
    }),
    soak:
      get("soak") === "1" || get("soak") === "true"
        ? {
            minutes: num("soak-minutes", 10),
            streams: num("soak-streams", 200),
            sampleS: num("soak-sample-s", 30),
            dir: get("soak-dir") ?? "bench/results",
          }
        : null,
  };
}
