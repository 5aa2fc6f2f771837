/**
 * Recorded speed: turning event indices into offsets, and sending chunks at their offsets.
 */
import { type Clock, systemClock } from "../clock.js";
import { ThreadlineError } from "../errors.js";
import type { PacingOptions, RecordedChunk } from "./types.js";

/** Default time between two recorded events at speed 1 (a brisk token stream). */
export const DEFAULT_EVENT_INTERVAL_MS = 20;

/**
 * Returns a function mapping a recorded event's 0-based index to its offset in ms:
 * `index × eventIntervalMs ÷ speed`.
 *
 * @throws ThreadlineError `bad_request` when `eventIntervalMs` is negative or not finite, or
 *   `speed` is not a finite number > 0.
 * @example
 * ```ts
 * const offsetOf = eventOffsets({ eventIntervalMs: 20, speed: 2 });
 * offsetOf(3); // 30
 * ```
 */
export function eventOffsets(options: PacingOptions = {}): (eventIndex: number) => number {
  const intervalMs = options.eventIntervalMs ?? DEFAULT_EVENT_INTERVAL_MS;
  const speed = options.speed ?? 1;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) {
    throw new ThreadlineError("bad_request", `eventIntervalMs must be ≥ 0, got ${intervalMs}`);
  }
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new ThreadlineError("bad_request", `speed must be a finite number > 0, got ${speed}`);
  }
  return (eventIndex) => (eventIndex * intervalMs) / speed;
}

/** Options of {@link paceChunks}. */
export interface PaceOptions {
  /**
   * Time and timers (STYLE habit 10). Default: `Date.now` and ordinary (ref'd) timers, so a pending
   * wait keeps the process alive, unlike `systemClock`'s unref'd ones.
   */
  clock?: Clock;
  /** Stops pacing: the pending wait rejects with the signal's reason. */
  signal?: AbortSignal;
}

const pacingClock: Clock = {
  ...systemClock,
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
};

/**
 * Yields each chunk of `chunks` no earlier than its `offsetMs` after the first chunk arrived, so a
 * consumer sees the recording at recorded speed. Chunks already due are yielded without waiting
 * (a slow consumer catches up instead of drifting).
 *
 * @throws `signal.reason` when `signal` aborts while waiting; whatever `chunks` throws.
 * @example
 * ```ts
 * for await (const { chunk } of paceChunks(replayProviderRecording(file))) {
 *   await writer.write(chunk);
 * }
 * ```
 */
export async function* paceChunks(
  chunks: AsyncIterable<RecordedChunk> | Iterable<RecordedChunk>,
  options: PaceOptions = {},
): AsyncGenerator<RecordedChunk> {
  const clock = options.clock ?? pacingClock;
  let startMs: number | undefined;
  for await (const recorded of chunks) {
    startMs ??= clock.now();
    const waitMs = startMs + recorded.offsetMs - clock.now();
    if (waitMs > 0) await sleep(clock, waitMs, options.signal);
    yield recorded;
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
