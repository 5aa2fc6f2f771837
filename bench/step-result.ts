/**
 * The figures of one step and the verdict on whether the strategy kept up.
 */
import type { CommitLoopFigures } from "./commit-log.js";
import type { DeliveryTracker } from "./delivery-tracker.js";
import type { ByteCount, CpuSample, StallSample } from "./measure.js";

/** The coalescing window the targets are stated in (ms). */
export const WINDOW_MS = 33;

/** The figures of one step (rates over the measurement window). */
export interface StepResult {
  streams: number;
  keepsUp: boolean;
  /** Why it did not keep up (empty when it did). */
  failures: string[];
  /** It failed only on latency or lag, and by at most 1.5× the limit (worth a re-run). */
  marginal: boolean;
  /** Set when this is the passing re-run of a marginal failure: the first run's failures. */
  passedOnRerunAfter?: string[];
  windowMs: number;
  deltasPerSec: number;
  charsPerSec: number;
  /** Delta `write()` → subscriber receipt, for deltas written in the window. */
  latencyMs: { p50: number; p99: number; max: number; samples: number };
  /** How late producers wrote their deltas against their 20 ms schedule. */
  producerLagMs: { p99: number; max: number };
  /** Written-but-undelivered deltas, averaged over the first and last third of the window. */
  backlog: { firstThird: number; lastThird: number; undeliveredAfterDrain: number };
  commitsPerSec: number;
  /** Streaming commits in the window (raw count). */
  streamingCommits: number;
  streamingCommitsPerSec: number;
  /** Streaming commits per 33 ms window, all streams together. */
  streamingCommitsPerWindow: number;
  /** Threadline's commit loop: spacing and duration of its streaming commits. */
  commitLoop?: CommitLoopFigures;
  cpu: { processPctOfCore: number; processUsPerChar: number; databasePctOfCore: number | null };
  stalls: StallSample;
  bytesPerChar: number;
  /** The byte meter's breakdown, per streamed character. */
  bytesDetailPerChar?: Record<string, number>;
}

/** What was measured over a step's window. */
export interface WindowFigures {
  windowMs: number;
  commits: number;
  streamingCommits: number;
  cpu: CpuSample;
  stalls: StallSample;
  bytes: ByteCount;
  backlogSamples: number[];
}

/**
 * Judges a step: it keeps up when p99 latency and p99 producer lag are within `p99LimitMs`, the
 * backlog did not grow by more than 50 ms of production over the window, and every delta reached
 * its subscriber after the drain.
 */
export function judgeStep(
  streams: number,
  deltaIntervalMs: number,
  p99LimitMs: number,
  tracker: DeliveryTracker,
  w: WindowFigures,
  undelivered: number,
): StepResult {
  const seconds = w.windowMs / 1000;
  const chars = Math.max(1, tracker.windowChars);
  const third = Math.max(1, Math.floor(w.backlogSamples.length / 3));
  const firstThird = mean(w.backlogSamples.slice(0, third));
  const lastThird = mean(w.backlogSamples.slice(-third));
  const { latency, producerLag: lag } = tracker;
  const failures: string[] = [];
  let worst = 0;
  for (const [name, p99] of [
    ["p99 latency", latency.quantile(0.99)],
    ["producer p99 lag", lag.quantile(0.99)],
  ] as const) {
    worst = Math.max(worst, p99 / p99LimitMs);
    if (p99 > p99LimitMs) failures.push(`${name} ${p99.toFixed(1)} ms`);
  }
  const growthLimit = (streams * 50) / deltaIntervalMs;
  const grew = lastThird - firstThird > growthLimit;
  if (grew) failures.push(`backlog grew ${firstThird.toFixed(0)}→${lastThird.toFixed(0)}`);
  if (undelivered > 0) failures.push(`${undelivered} deltas undelivered after drain`);
  const streamingCommitsPerSec = w.streamingCommits / seconds;
  const detail = w.bytes.detail;
  return {
    streams,
    keepsUp: failures.length === 0,
    failures,
    marginal: failures.length > 0 && !grew && undelivered === 0 && worst <= 1.5,
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
      processPctOfCore: round((w.cpu.processUs / 1000 / w.windowMs) * 100),
      processUsPerChar: round(w.cpu.processUs / chars),
      databasePctOfCore:
        w.cpu.databaseUs === undefined ? null : round((w.cpu.databaseUs / 1000 / w.windowMs) * 100),
    },
    stalls: {
      eventLoopDelayMs: {
        p99: round(w.stalls.eventLoopDelayMs.p99),
        max: round(w.stalls.eventLoopDelayMs.max),
      },
      ioStallPct: w.stalls.ioStallPct === null ? null : round(w.stalls.ioStallPct),
    },
    bytesPerChar: round(w.bytes.bytes / chars),
    ...(detail
      ? {
          bytesDetailPerChar: Object.fromEntries(
            Object.entries(detail).map(([k, v]) => [k, round(v / chars)]),
          ),
        }
      : {}),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
