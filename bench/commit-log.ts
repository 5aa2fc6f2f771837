/**
 * Analysis of a process-wide commit loop's log (Threadline's `writer:commit` events): are its
 * streaming commits at least one window apart (SPEC R3, R5), and how long do they take?
 */
import type { CommitRecord } from "./strategies/strategy.js";

/** Spacing and duration of the streaming commits that started in a window. */
export interface CommitLoopFigures {
  started: number;
  /** Shortest start-to-start gap between two streaming commits (ms; the writer's clock if given). */
  minGapMs: number;
  /** Gaps shorter than one window, allowing 1 ms of `Date.now()` granularity. */
  gapsUnderWindow: number;
  durationMs: { p50: number; max: number };
  writesPerCommit: number;
}

/**
 * Summarizes the commits of `log` that started in `[from, to)` (performance.now() ms), given the
 * coalescing window in ms.
 */
export function analyzeCommitLog(
  log: readonly CommitRecord[],
  from: number,
  to: number,
  windowMs: number,
): CommitLoopFigures {
  const commits = log.filter((c) => c.startMs >= from && c.startMs < to);
  // The writer's own start of each commit when it reports one: the transaction's start can lag it
  // by a collection pause or the batch's preparation, which differ from tick to tick.
  const startOf = (c: CommitRecord) => c.writerStartedAt ?? c.startMs;
  const gaps = commits.slice(1).map((c, i) => startOf(c) - startOf(commits[i] as CommitRecord));
  const durations = commits.map((c) => c.durationMs).sort((a, b) => a - b);
  const writes = commits.reduce((sum, c) => sum + c.writes, 0);
  return {
    started: commits.length,
    minGapMs: round(gaps.length === 0 ? 0 : Math.min(...gaps)),
    gapsUnderWindow: gaps.filter((g) => g < windowMs - 1).length,
    durationMs: {
      p50: round(durations[Math.floor(durations.length / 2)] ?? 0),
      max: round(durations.at(-1) ?? 0),
    },
    writesPerCommit: round(commits.length === 0 ? 0 : writes / commits.length),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
