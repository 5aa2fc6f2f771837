/**
 * One benchmark step: S concurrent streams on one strategy for a warm-up plus a measurement
 * window, then finish, drain and judge whether the strategy kept up.
 */
import { DeliveryTracker } from "./delivery-tracker.js";
import { type ByteCount, type ByteMeter, startCpu } from "./measure.js";
import { prepareStream, runStream, type StreamShape, sleep } from "./producer.js";
import type { BenchThread, Strategy } from "./strategies/strategy.js";

/** What a step runs. */
export interface StepPlan {
  streams: number;
  warmupMs: number;
  durationMs: number;
  shape: StreamShape;
  /** Characters each stream's first message starts with (stream `index` of `streams`). */
  prefillChars: (index: number, streams: number) => number;
  /** Keeping up needs p99 latency and p99 producer lag at or below this (ms). */
  p99LimitMs: number;
  /** How long to wait after the window for every delta to reach its subscriber (ms). */
  drainTimeoutMs: number;
}

/** How the backend and machine are measured. */
export interface StepMeters {
  bytes: ByteMeter;
  /** Also measure PostgreSQL server CPU. */
  databaseCpu: boolean;
}

/** The figures of one step (rates over the measurement window). */
export interface StepResult {
  streams: number;
  keepsUp: boolean;
  /** Why it did not keep up (empty when it did). */
  failures: string[];
  windowMs: number;
  deltasPerSec: number;
  charsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  producerLagMs: { p99: number; max: number };
  backlog: { firstThird: number; lastThird: number; undeliveredAfterDrain: number };
  commitsPerSec: number;
  /** Streaming commits in the window (raw count). */
  streamingCommits: number;
  streamingCommitsPerSec: number;
  /** Streaming commits per 33 ms window, all streams together. */
  streamingCommitsPerWindow: number;
  /**
   * Spacing of streaming commits that started in the window (Threadline's commit loop): the
   * shortest start-to-start gap and how many gaps were under one window (32 ms, allowing 1 ms of
   * clock granularity).
   */
  streamingCommitSpacing?: { started: number; minGapMs: number; gapsUnderWindow: number };
  cpu: { processPctOfCore: number; processUsPerChar: number; databasePctOfCore: number | null };
  bytesPerChar: number;
  /** The byte meter's breakdown, per streamed character. */
  bytesDetailPerChar?: Record<string, number>;
}

const SETUP_CONCURRENCY = 16;
const WINDOW_MS = 33;
const BACKLOG_SAMPLE_MS = 100;

/** Runs one step of `plan.streams` streams on `strategy`. */
export async function runStep(
  strategy: Strategy,
  plan: StepPlan,
  meters: StepMeters,
): Promise<StepResult> {
  const tracker = new DeliveryTracker();
  const { streams } = plan;
  const threads = await mapLimit(range(streams), SETUP_CONCURRENCY, () =>
    strategy.openThread(tracker.onDelivery),
  );
  const prepared = await mapLimit(range(streams), SETUP_CONCURRENCY, (i) =>
    prepareStream(threads[i] as BenchThread, tracker, plan.prefillChars(i, streams)),
  );

  const t0 = performance.now() + 20;
  tracker.measureFrom = t0 + plan.warmupMs;
  tracker.measureTo = tracker.measureFrom + plan.durationMs;
  const window = measureWindow(strategy, tracker, meters, tracker.measureFrom, tracker.measureTo);
  const running = prepared.map((stream, i) =>
    runStream(
      stream,
      tracker,
      plan.shape,
      t0 + (i * plan.shape.deltaIntervalMs) / streams,
      tracker.measureTo,
    ),
  );
  const ended = await Promise.all(running);
  const measured = await window;
  const spacing = commitSpacing(strategy, tracker.measureFrom, tracker.measureTo);

  await Promise.all(ended.map((s) => s.message.finish()));
  const drainUntil = performance.now() + plan.drainTimeoutMs;
  while (tracker.backlog > 0 && performance.now() < drainUntil) await sleep(10);
  const undelivered = tracker.backlog;
  await Promise.all(threads.map((t) => t.close()));
  return {
    ...judge(plan, tracker, measured, undelivered),
    ...(spacing ? { streamingCommitSpacing: spacing } : {}),
  };
}

function commitSpacing(
  strategy: Strategy,
  from: number,
  to: number,
): StepResult["streamingCommitSpacing"] {
  const starts = strategy.streamingCommitStarts?.().filter((t) => t >= from && t < to);
  if (!starts) return undefined;
  const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
  return {
    started: starts.length,
    minGapMs: round(gaps.length === 0 ? 0 : Math.min(...gaps)),
    gapsUnderWindow: gaps.filter((g) => g < WINDOW_MS - 1).length,
  };
}

interface WindowFigures {
  windowMs: number;
  commits: number;
  streamingCommits: number;
  cpuUs: number;
  databaseCpuUs: number | undefined;
  bytes: ByteCount;
  backlogSamples: number[];
}

async function measureWindow(
  strategy: Strategy,
  tracker: DeliveryTracker,
  meters: StepMeters,
  from: number,
  to: number,
): Promise<WindowFigures> {
  await sleep(from - performance.now());
  const commits0 = strategy.commits();
  const stopBytes = await meters.bytes.start();
  const started = performance.now();
  const stopCpu = startCpu(meters.databaseCpu);
  const backlogSamples: number[] = [];
  const sampler = setInterval(() => backlogSamples.push(tracker.backlog), BACKLOG_SAMPLE_MS);
  await sleep(to - performance.now());
  clearInterval(sampler);
  const cpu = stopCpu();
  const windowMs = performance.now() - started;
  const bytes = await stopBytes();
  const commits1 = strategy.commits();
  return {
    windowMs,
    commits: commits1.streaming + commits1.other - commits0.streaming - commits0.other,
    streamingCommits: commits1.streaming - commits0.streaming,
    cpuUs: cpu.processUs,
    databaseCpuUs: cpu.databaseUs,
    bytes,
    backlogSamples,
  };
}

function judge(
  plan: StepPlan,
  tracker: DeliveryTracker,
  w: WindowFigures,
  undelivered: number,
): StepResult {
  const seconds = w.windowMs / 1000;
  const chars = Math.max(1, tracker.windowChars);
  const third = Math.max(1, Math.floor(w.backlogSamples.length / 3));
  const firstThird = mean(w.backlogSamples.slice(0, third));
  const lastThird = mean(w.backlogSamples.slice(-third));
  const latency = tracker.latency;
  const lag = tracker.producerLag;
  const failures: string[] = [];
  if (latency.quantile(0.99) > plan.p99LimitMs)
    failures.push(`p99 latency ${fmt(latency.quantile(0.99))} ms`);
  if (lag.quantile(0.99) > plan.p99LimitMs)
    failures.push(`producer p99 lag ${fmt(lag.quantile(0.99))} ms`);
  // A backlog growing by more than 50 ms of production across the window is not keeping up.
  const growthLimit = (plan.streams * 50) / plan.shape.deltaIntervalMs;
  if (lastThird - firstThird > growthLimit)
    failures.push(`backlog grew ${fmt(firstThird)}→${fmt(lastThird)}`);
  if (undelivered > 0) failures.push(`${undelivered} deltas undelivered after drain`);
  const streamingCommitsPerSec = w.streamingCommits / seconds;
  return {
    streams: plan.streams,
    keepsUp: failures.length === 0,
    failures,
    windowMs: round(w.windowMs),
    deltasPerSec: round(tracker.windowDeltas / seconds),
    charsPerSec: round(tracker.windowChars / seconds),
    latencyMs: {
      p50: round(latency.quantile(0.5)),
      p99: round(latency.quantile(0.99)),
      max: round(latency.max),
      samples: latency.count,
    },
    producerLagMs: { p99: round(lag.quantile(0.99)), max: round(lag.max) },
    backlog: {
      firstThird: round(firstThird),
      lastThird: round(lastThird),
      undeliveredAfterDrain: undelivered,
    },
    commitsPerSec: round(w.commits / seconds),
    streamingCommits: w.streamingCommits,
    streamingCommitsPerSec: round(streamingCommitsPerSec),
    streamingCommitsPerWindow: round((streamingCommitsPerSec * WINDOW_MS) / 1000),
    cpu: {
      processPctOfCore: round((w.cpuUs / 1000 / w.windowMs) * 100),
      processUsPerChar: round(w.cpuUs / chars),
      databasePctOfCore:
        w.databaseCpuUs === undefined ? null : round((w.databaseCpuUs / 1000 / w.windowMs) * 100),
    },
    bytesPerChar: round(w.bytes.bytes / chars),
    ...(w.bytes.detail
      ? {
          bytesDetailPerChar: Object.fromEntries(
            Object.entries(w.bytes.detail).map(([k, v]) => [k, round(v / chars)]),
          ),
        }
      : {}),
  };
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function fmt(value: number): string {
  return value.toFixed(1);
}
