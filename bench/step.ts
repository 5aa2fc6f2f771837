/**
 * One benchmark step: S concurrent streams on one strategy for a warm-up plus a measurement
 * window, then finish, drain and judge whether the strategy kept up.
 */

import { analyzeCommitLog } from "./commit-log.js";
import { DeliveryTracker } from "./delivery-tracker.js";
import { mapLimit } from "./map-limit.js";
import { type ByteMeter, startCpu, startStalls } from "./measure.js";
import { prepareStream, runStream, type StreamShape, sleep } from "./producer.js";
import { judgeStep, type StepResult, WINDOW_MS, type WindowFigures } from "./step-result.js";
import type { BenchThread, Strategy } from "./strategies/strategy.js";

export type { StepResult } from "./step-result.js";

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

const SETUP_CONCURRENCY = 16;
const BACKLOG_SAMPLE_MS = 100;

/**
 * Runs one step of `plan.streams` streams on `strategy`: opens the threads (one subscriber each)
 * and their first messages, starts every producer staggered over one delta interval, measures the
 * window after the warm-up, then finishes every message and waits for the subscribers to drain.
 */
export async function runStep(
  strategy: Strategy,
  plan: StepPlan,
  meters: StepMeters,
): Promise<StepResult> {
  const tracker = new DeliveryTracker();
  const { streams, shape } = plan;
  const threads = await mapLimit(range(streams), SETUP_CONCURRENCY, () =>
    strategy.openThread(tracker.onDelivery),
  );
  const prepared = await mapLimit(range(streams), SETUP_CONCURRENCY, (i) =>
    prepareStream(threads[i] as BenchThread, tracker, plan.prefillChars(i, streams)),
  );

  const t0 = performance.now() + 20;
  const from = t0 + plan.warmupMs;
  const to = from + plan.durationMs;
  tracker.measureFrom = from;
  tracker.measureTo = to;
  const window = measureWindow(strategy, tracker, meters, from, to);
  const ended = await Promise.all(
    prepared.map((stream, i) =>
      runStream(stream, tracker, shape, t0 + (i * shape.deltaIntervalMs) / streams, to),
    ),
  );
  const measured = await window;
  const log = strategy.streamingCommitLog?.();

  await Promise.all(ended.map((s) => s.message.finish()));
  const drainUntil = performance.now() + plan.drainTimeoutMs;
  while (tracker.backlog > 0 && performance.now() < drainUntil) await sleep(10);
  const undelivered = tracker.backlog;
  await Promise.all(threads.map((t) => t.close()));
  const result = judgeStep(
    streams,
    shape.deltaIntervalMs,
    plan.p99LimitMs,
    tracker,
    measured,
    undelivered,
  );
  return log ? { ...result, commitLoop: analyzeCommitLog(log, from, to, WINDOW_MS) } : result;
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
  const stopStalls = startStalls();
  const backlogSamples: number[] = [];
  const sampler = setInterval(() => backlogSamples.push(tracker.backlog), BACKLOG_SAMPLE_MS);
  await sleep(to - performance.now());
  clearInterval(sampler);
  const cpu = stopCpu();
  const stalls = stopStalls();
  const windowMs = performance.now() - started;
  const bytes = await stopBytes();
  const commits1 = strategy.commits();
  return {
    windowMs,
    commits: commits1.streaming + commits1.other - commits0.streaming - commits0.other,
    streamingCommits: commits1.streaming - commits0.streaming,
    cpu,
    stalls,
    bytes,
    backlogSamples,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
