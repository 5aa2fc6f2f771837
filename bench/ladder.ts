/**
 * The two experiments run on every strategy × backend: the capacity search over a ladder of
 * stream counts, and the fixed-size phases that measure bytes written per streamed character.
 */
import type { StepResult } from "./step.js";

/** What the search needs of a step: its stream count and whether it kept up. */
export interface LadderStep {
  streams: number;
  keepsUp: boolean;
}

/** Outcome of a capacity search. */
export interface CapacityResult<R extends LadderStep = StepResult> {
  /** Largest ladder step that kept up; 0 when none did. */
  maxStreams: number;
  /** Smallest ladder step above `maxStreams` that was run and failed; null when none failed. */
  firstFailingStreams: number | null;
  /** Every step run, in the order run. */
  steps: R[];
}

/**
 * Searches the ladder for the largest stream count that keeps up: starting at `start` (or the
 * nearest rung below it), it climbs while steps keep up, or descends while they do not.
 *
 * @example
 * ```ts
 * const result = await searchCapacity([1, 2, 5, 10], 5, (s) => runStep(strategy, plan(s), meters));
 * result.maxStreams; // e.g. 5
 * ```
 */
export async function searchCapacity<R extends LadderStep = StepResult>(
  ladder: readonly number[],
  start: number,
  runAt: (streams: number) => Promise<R>,
): Promise<CapacityResult<R>> {
  const rungs = [...new Set(ladder)].sort((a, b) => a - b);
  let index = Math.max(0, rungs.filter((s) => s <= start).length - 1);
  const steps: R[] = [];
  const first = await runAt(rungs[index] as number);
  steps.push(first);
  const direction = first.keepsUp ? 1 : -1;
  let maxStreams = first.keepsUp ? first.streams : 0;
  let firstFailingStreams: number | null = first.keepsUp ? null : first.streams;
  for (index += direction; index >= 0 && index < rungs.length; index += direction) {
    const step = await runAt(rungs[index] as number);
    steps.push(step);
    if (direction === 1 && !step.keepsUp) {
      firstFailingStreams = step.streams;
      break;
    }
    if (direction === 1) maxStreams = step.streams;
    if (direction === -1 && step.keepsUp) {
      maxStreams = step.streams;
      break;
    }
    if (direction === -1) firstFailingStreams = step.streams;
  }
  return { maxStreams, firstFailingStreams, steps };
}

/**
 * Narrows a capacity result with extra steps between the largest passing and the first failing
 * rung (geometric midpoints, rounded to two significant digits), `rounds` times.
 */
export async function refineCapacity<R extends LadderStep = StepResult>(
  result: CapacityResult<R>,
  rounds: number,
  runAt: (streams: number) => Promise<R>,
): Promise<CapacityResult<R>> {
  let { maxStreams, firstFailingStreams } = result;
  const steps = [...result.steps];
  for (let round = 0; round < rounds; round++) {
    if (maxStreams === 0 || firstFailingStreams === null) break;
    const mid = twoDigits(Math.sqrt(maxStreams * firstFailingStreams));
    if (mid <= maxStreams || mid >= firstFailingStreams) break;
    const step = await runAt(mid);
    steps.push(step);
    if (step.keepsUp) maxStreams = mid;
    else firstFailingStreams = mid;
  }
  return { maxStreams, firstFailingStreams, steps };
}

function twoDigits(value: number): number {
  const scale = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 1);
  return Math.round(value / scale) * scale;
}

/**
 * Prefill that puts a message at `targetChars` in the middle of the measurement window, given the
 * stream pace (characters per second) and when the window starts and how long it lasts.
 */
export function prefillForSize(
  targetChars: number,
  charsPerSec: number,
  warmupMs: number,
  durationMs: number,
): number {
  const grownByMiddle = (charsPerSec * (warmupMs + durationMs / 2)) / 1000;
  return Math.max(0, Math.round(targetChars - grownByMiddle));
}

/**
 * The first-message prefill of a capacity step: stream `index` of `streams` starts at its share of
 * 0…`maxChars`, in whole deltas, so every message size is represented across the streams.
 */
export function spreadPrefill(shape: {
  maxMessageChars: number;
  deltaChars: number;
}): (index: number, streams: number) => number {
  return (i, n) =>
    Math.floor((((i + 0.5) / n) * shape.maxMessageChars) / shape.deltaChars) * shape.deltaChars;
}
