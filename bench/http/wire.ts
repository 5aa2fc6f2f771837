/**
 * The messages the benchmark process and its load-generator processes exchange over the
 * `child_process.fork` IPC channel, and the peer a generator drives.
 */
import type { StreamShape } from "../producer.js";

/** The server a generator drives: `threadline serve` or the Durable Streams reference server. */
export type PeerSpec =
  | { kind: "threadline"; baseUrl: string }
  | { kind: "durable-streams"; baseUrl: string };

/** One stream a generator runs in a step: its index among all streams and its prefill. */
export interface StreamSlot {
  /** Index among the step's streams (0 … S − 1): sets its start offset in the delta interval. */
  index: number;
  /** Characters the stream's first message starts with (one big delta before the window). */
  prefillChars: number;
}

/** Parent → generator. */
export type ToGenerator =
  | { type: "setup"; peer: PeerSpec; streams: number; slots: StreamSlot[]; shape: StreamShape }
  | {
      type: "run";
      /** When the first delta is due, in ms since the epoch (`performance.timeOrigin + now()`). */
      startAtEpochMs: number;
      warmupMs: number;
      durationMs: number;
      drainTimeoutMs: number;
    }
  | { type: "exit" };

/** What one generator measured over a step's window (its own clock). */
export interface GeneratorFigures {
  /** Delta → viewer latency of every delta written in the window (ms). */
  latencyMs: number[];
  /** How late each delta of the window was written against its schedule (ms). */
  producerLagMs: number[];
  /** Each stream's median delta → viewer latency over the window (ms). */
  streamMedianLatencyMs: number[];
  windowDeltas: number;
  windowChars: number;
  /** Written-but-undelivered deltas, averaged over the first and the last third of the window. */
  backlogFirstThird: number;
  backlogLastThird: number;
  /** Deltas still undelivered after the drain. */
  undelivered: number;
  /** Transport errors seen (uploads or viewers), at most a few, with a count. */
  errors: { count: number; first: string[] };
}

/** Generator → parent. */
export type FromGenerator =
  | { type: "ready" }
  | { type: "result"; figures: GeneratorFigures }
  | { type: "failed"; message: string };
