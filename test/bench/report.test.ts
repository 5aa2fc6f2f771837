/**
 * The in-process bench's report (`bench/report.ts`): issue 9's CPU budget per delta in process
 * (≤ 8 µs at Threadline's largest S), judged and printed from the step that reached it.
 */
import { describe, expect, it } from "vitest";
import {
  cpuUsPerDelta,
  formatTable,
  formatVerdict,
  judgeTargets,
  type StrategyReport,
} from "../../bench/report.js";
import type { StepResult } from "../../bench/step.js";

/** A step of `streams` that kept up, each delivering 50 deltas a second, at `pct` % of a core. */
function step(streams: number, pct: number): StepResult {
  return {
    streams,
    keepsUp: true,
    failures: [],
    marginal: false,
    windowMs: 5_000,
    deltasPerSec: streams * 50,
    charsPerSec: streams * 200,
    latencyMs: { p50: 20, p99: 50, max: 60, samples: 1_000 },
    producerLagMs: { p99: 5, max: 8 },
    backlog: { firstThird: 0, lastThird: 0, undeliveredAfterDrain: 0 },
    commitsPerSec: 30,
    streamingCommits: 150,
    streamingCommitsPerSec: 30,
    streamingCommitsPerWindow: 1,
    cpu: {
      processPctOfCore: pct,
      processUsPerChar: (pct * 10_000) / (streams * 200),
      databasePctOfCore: null,
    },
    stalls: { eventLoopDelayMs: { p99: 10, max: 20 }, ioStallPct: null },
    bytesPerChar: 100,
  };
}

function report(strategy: string, streams: number, pct: number): StrategyReport {
  const at = step(streams, pct);
  return {
    backend: "sqlite",
    strategy,
    bytesSource: "test",
    capacity: { maxStreams: streams, firstFailingStreams: null, steps: [at] },
    atMax: at,
    bytes: { at1KB: at, at8KB: at, at64KB: at },
  };
}

const cpuTarget = (reports: StrategyReport[]) =>
  judgeTargets(reports).find((v) => v.target.includes("CPU per delta"));

describe("the in-process CPU budget per delta (issue 9: ≤ 8 µs)", () => {
  it("is the process's share of a core over the deltas delivered a second", () => {
    // 80 % of a core over 2 000 × 50 deltas/s: 0.8 s of CPU a second / 100 000 = 8 µs.
    expect(cpuUsPerDelta(step(2_000, 80))).toBe(8);
    expect(cpuUsPerDelta({ ...step(10, 5), deltasPerSec: 0 })).toBeNaN();
  });

  it("is met at 8 µs and missed above it, with the floor strategy's figure when it ran", () => {
    expect(cpuTarget([report("threadline", 2_000, 80)])).toMatchObject({
      met: true,
      detail: "8.0 µs at S = 2000 (80 % of a core)",
    });
    const missed = cpuTarget([report("threadline", 2_000, 81), report("floor", 4_800, 62)]);
    expect(missed?.met).toBe(false);
    expect(missed?.detail).toBe(
      "8.1 µs at S = 2000 (81 % of a core); the floor strategy (producers and subscribers alone) 2.6 µs at S = 4800",
    );
    expect(formatVerdict(missed as NonNullable<typeof missed>)).toMatch(
      /^MISSED {2}sqlite: CPU per delta ≤ 8 µs in process at Threadline's largest S/,
    );
  });

  it("is printed as a column of the table", () => {
    const [header, , row] = formatTable([report("threadline", 1_600, 110)]).split("\n");
    const column = header?.split(/\s{2,}/).indexOf("cpu µs/delta") ?? -1;
    expect(column).toBeGreaterThan(0);
    expect(row?.trim().split(/\s+/)[column]).toBe("13.8");
  });
});
