/**
 * One step of the HTTP bench: S streams split over the generator processes, a warm-up and a
 * measurement window, a drain; the server's and each generator's CPU read from /proc over the
 * window; the verdict on whether the server kept up and, when it did not, what limited it.
 */
import { availableParallelism } from "node:os";
import { Histogram } from "../measure.js";
import { sleep } from "../producer.js";
import type { StepPlan } from "../step.js";
import { startMachineCpu, startProcessCpu } from "./cpu.js";
import type { Generator } from "./generators.js";
import type { RunningServer } from "./servers.js";
import type { GeneratorFigures, StreamSlot } from "./wire.js";

/** What a step runs: the in-process bench's plan, the same workload driven over HTTP. */
export type HttpStepPlan = StepPlan;

/** A generator at or above this share of one core is taken as the limit of a failing step (%). */
export const GENERATOR_LIMIT_PCT = 80;
/** Other processes using this much of the machine make a failing step's limit the machine (%). */
const OTHERS_LIMIT_PCT = 50;
/** A server below this share of one core while producers lag is idle, not the limit (%). */
const IDLE_SERVER_PCT = 50;
/**
 * A failing step whose processes together used this share of every core, while the server used
 * less than {@link SATURATED_SERVER_PCT} of one, ran out of machine rather than server (%).
 */
const MACHINE_BUSY_PCT = 90;
/** A server process at this share of one core or more is taken as saturated (%). */
const SATURATED_SERVER_PCT = 90;
/** Setup of the step's threads and viewers, before the first delta, may take this long (ms). */
const START_DELAY_MS = 100;

/** The figures of one HTTP step. */
export interface HttpStepResult {
  streams: number;
  keepsUp: boolean;
  /** Why it did not keep up (empty when it did). */
  failures: string[];
  windowMs: number;
  deltasPerSec: number;
  /** Delta written by a producer → its viewer received a message state containing it. */
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  /** How late producers wrote their deltas against their 20 ms schedule. */
  producerLagMs: { p50: number; p99: number; max: number };
  /**
   * How evenly the streams fared: quantiles over the streams of each one's median latency (ms).
   * Alike when p90 stays near p10; past saturation a few starving streams show as a high max.
   */
  streamMedianLatencyMs: { p10: number; p50: number; p90: number; max: number; streams: number };
  backlog: { firstThird: number; lastThird: number; undeliveredAfterDrain: number };
  cpu: {
    /** The server process, % of one core. */
    serverPctOfCore: number;
    /** Server CPU per delta delivered to its one viewer (µs). */
    serverUsPerDelta: number;
    /** Each generator process, % of one core. */
    generatorPctOfCore: number[];
    /** Every other process on the machine together (other sessions' work), % of one core. */
    othersPctOfCore: number;
  };
  /**
   * What ended the step when it failed: `machine` when other processes took at least half a core
   * meanwhile (a shared machine: the figures say little), or when server, generators and others
   * together kept ≥ 90 % of every core busy while the server was below 90 % of one (it waited for
   * the CPU, not for itself); `generator` when a generator process was near a full core or
   * producers lagged while the server idled; else `server`.
   */
  limit: "server" | "generator" | "machine" | null;
  errors: { count: number; first: string[] };
}

/**
 * Runs one step of `plan.streams` streams on `server`, split evenly over `generators`.
 * @throws Error when a generator fails (its message).
 */
export async function runHttpStep(
  server: RunningServer,
  generators: readonly Generator[],
  plan: HttpStepPlan,
): Promise<HttpStepResult> {
  const { streams, shape } = plan;
  const shares = generators.map((_, g) => {
    const slots: StreamSlot[] = [];
    for (let index = g; index < streams; index += generators.length)
      slots.push({ index, prefillChars: plan.prefillChars(index, streams) });
    return slots;
  });
  const peer = { kind: server.kind, baseUrl: server.baseUrl };
  await Promise.all(
    generators.map(async (generator, g) =>
      expect(
        await generator.request({ type: "setup", peer, streams, slots: shares[g] ?? [], shape }),
        "ready",
      ),
    ),
  );
  const startAtEpochMs = performance.timeOrigin + performance.now() + START_DELAY_MS;
  const results = generators.map(async (generator) =>
    expect(
      await generator.request({
        type: "run",
        startAtEpochMs,
        warmupMs: plan.warmupMs,
        durationMs: plan.durationMs,
        drainTimeoutMs: plan.drainTimeoutMs,
      }),
      "result",
    ),
  );
  const from = startAtEpochMs - performance.timeOrigin + plan.warmupMs;
  await sleep(from - performance.now());
  const stopCpu = startProcessCpu([server.pid, ...generators.map((g) => g.pid)]);
  const stopMachine = startMachineCpu();
  const started = performance.now();
  await sleep(from + plan.durationMs - performance.now());
  const [serverUs = 0, ...generatorUs] = stopCpu();
  const machineUs = stopMachine();
  const windowMs = performance.now() - started;
  const figures = (await Promise.all(results)).map((r) => r.figures);
  const othersUs = Math.max(0, machineUs - serverUs - generatorUs.reduce((a, b) => a + b, 0));
  return judge(plan, figures, windowMs, serverUs, generatorUs, othersUs);
}

function expect<T extends string>(
  answer: { type: string; message?: string },
  type: T,
): Extract<import("./wire.js").FromGenerator, { type: T }> {
  if (answer.type !== type) throw new Error(`load generator: ${answer.message ?? answer.type}`);
  return answer as Extract<import("./wire.js").FromGenerator, { type: T }>;
}

function judge(
  plan: HttpStepPlan,
  figures: readonly GeneratorFigures[],
  windowMs: number,
  serverUs: number,
  generatorUs: readonly number[],
  othersUs: number,
): HttpStepResult {
  const latency = new Histogram();
  const lag = new Histogram();
  const streamMedians: number[] = [];
  let deltas = 0;
  let firstThird = 0;
  let lastThird = 0;
  let undelivered = 0;
  const errors = { count: 0, first: [] as string[] };
  for (const f of figures) {
    for (const ms of f.latencyMs) latency.record(ms);
    for (const ms of f.producerLagMs) lag.record(ms);
    streamMedians.push(...f.streamMedianLatencyMs);
    deltas += f.windowDeltas;
    firstThird += f.backlogFirstThird;
    lastThird += f.backlogLastThird;
    undelivered += f.undelivered;
    errors.count += f.errors.count;
    errors.first.push(...f.errors.first.slice(0, 5 - errors.first.length));
  }
  const failures: string[] = [];
  const p99 = latency.quantile(0.99);
  const lagP99 = lag.quantile(0.99);
  if (p99 > plan.p99LimitMs) failures.push(`p99 latency ${p99.toFixed(1)} ms`);
  if (lagP99 > plan.p99LimitMs) failures.push(`producer p99 lag ${lagP99.toFixed(1)} ms`);
  if (lastThird - firstThird > (plan.streams * 50) / plan.shape.deltaIntervalMs)
    failures.push(`backlog grew ${firstThird.toFixed(0)}→${lastThird.toFixed(0)}`);
  if (undelivered > 0) failures.push(`${undelivered} deltas undelivered after drain`);
  if (errors.count > 0) failures.push(`${errors.count} transport errors`);
  const generatorPct = generatorUs.map((us) => round((us / 1000 / windowMs) * 100));
  const serverPct = round((serverUs / 1000 / windowMs) * 100);
  const othersPct = round((othersUs / 1000 / windowMs) * 100);
  const keepsUp = failures.length === 0;
  // The generator is the limit when one process is near a full core, or when producers fall
  // behind their schedule while the server has CPU to spare.
  const generatorBound =
    Math.max(0, ...generatorPct) >= GENERATOR_LIMIT_PCT ||
    (lagP99 > plan.p99LimitMs && serverPct < IDLE_SERVER_PCT);
  const busyPct = serverPct + generatorPct.reduce((sum, pct) => sum + pct, 0) + othersPct;
  const machineFull =
    busyPct >= MACHINE_BUSY_PCT * availableParallelism() && serverPct < SATURATED_SERVER_PCT;
  return {
    streams: plan.streams,
    keepsUp,
    failures,
    windowMs: round(windowMs),
    deltasPerSec: round((deltas / windowMs) * 1000),
    latencyMs: {
      p50: round(latency.quantile(0.5)),
      p99: round(p99),
      max: round(latency.max),
      samples: latency.count,
    },
    producerLagMs: { p50: round(lag.quantile(0.5)), p99: round(lagP99), max: round(lag.max) },
    streamMedianLatencyMs: streamSpread(streamMedians),
    backlog: {
      firstThird: round(firstThird),
      lastThird: round(lastThird),
      undeliveredAfterDrain: undelivered,
    },
    cpu: {
      serverPctOfCore: serverPct,
      serverUsPerDelta: round(serverUs / Math.max(1, deltas)),
      generatorPctOfCore: generatorPct,
      othersPctOfCore: othersPct,
    },
    limit: keepsUp
      ? null
      : othersPct >= OTHERS_LIMIT_PCT || machineFull
        ? "machine"
        : generatorBound
          ? "generator"
          : "server",
    errors,
  };
}

/** Quantiles of per-stream medians (nearest rank; NaN when there are none). */
export function streamSpread(medians: readonly number[]): HttpStepResult["streamMedianLatencyMs"] {
  const sorted = [...medians].sort((a, b) => a - b);
  const at = (q: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN);
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9), max: at(1), streams: sorted.length };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
