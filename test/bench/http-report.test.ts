/**
 * The HTTP bench's table (`bench/http/http-report.ts`): a step that never ended — the server
 * overwhelmed, nothing delivered — has no latency, and its row says so instead of printing NaN.
 */
import { describe, expect, it } from "vitest";
import {
  type BackendReport,
  formatHttpTable,
  judgeHttpTargets,
} from "../../bench/http/http-report.js";
import type { HttpStepResult } from "../../bench/http/http-step.js";

function step(streams: number, keepsUp: boolean, p99: number): HttpStepResult {
  return {
    streams,
    keepsUp,
    failures: keepsUp ? [] : ["p99 latency"],
    windowMs: 3_000,
    deltasPerSec: Number.isFinite(p99) ? streams * 50 : 0,
    latencyMs: { p50: p99 / 2, p99, max: p99, samples: Number.isFinite(p99) ? 100 : 0 },
    producerLagMs: { p50: 1, p99: 2, max: 3 },
    streamMedianLatencyMs: { p10: 1, p50: 2, p90: 3, max: 4, streams },
    backlog: { firstThird: 0, lastThird: 0, undeliveredAfterDrain: 0 },
    cpu: {
      serverPctOfCore: 50,
      serverUsPerDelta: 40,
      generatorPctOfCore: [20, 21],
      othersPctOfCore: 1,
    },
    limit: keepsUp ? null : "server",
    errors: { count: 0, first: [] },
  };
}

function report(backend: BackendReport["backend"], atReference: HttpStepResult, capacity: number) {
  const atCapacity = capacity > 0 ? step(capacity, true, 60) : null;
  return {
    backend,
    description: backend,
    capacity,
    firstFailing: 200,
    atCapacity,
    atReference,
    limit: "server",
    steps: [atReference],
  } satisfies BackendReport;
}

describe("the HTTP bench's table", () => {
  it("prints p99 at S = 200, marked when it fails, and a dash for a step that never ended", () => {
    const table = formatHttpTable([
      report("threadline-sqlite", step(200, true, 79.84), 400),
      report("ds-memory", step(200, false, 455.4), 71),
      report("ds-file", step(200, false, Number.NaN), 0),
    ]);
    const rows = table.split("\n").slice(2);
    expect(rows[0]).toBe(
      "| threadline-sqlite | 400 | 30.0 / 60.0 | 79.8 | 40.0 | 50 | 20 + 21 | 1 | server |",
    );
    expect(rows[1]).toContain("| 455.4 (fails) |");
    expect(rows[2]).toBe("| ds-file | 0 | — | — (fails) | — | — | — | — | server |");
    expect(table).not.toContain("NaN");
  });
});

describe("issue 9's HTTP targets judged from a run", () => {
  /** A run of `threadline-sqlite` kept up to `capacity`, with the figures given. */
  function threadline(options: {
    capacity: number;
    usPerDelta: number;
    p99At200: number;
    failing?: HttpStepResult;
  }): BackendReport {
    const atCapacity = step(options.capacity, true, 60);
    atCapacity.cpu.serverUsPerDelta = options.usPerDelta;
    return {
      ...report("threadline-sqlite", step(200, true, options.p99At200), options.capacity),
      atCapacity,
      firstFailing: options.failing?.streams ?? null,
      limit: options.failing ? "server" : "ladder top",
      steps: [atCapacity, ...(options.failing ? [options.failing] : [])],
    };
  }

  function failingWithMedians(streams: number, p10: number, p90: number): HttpStepResult {
    const failing = step(streams, false, 300);
    failing.streamMedianLatencyMs = { p10, p50: p10, p90, max: p90 * 2, streams };
    return failing;
  }

  it("finds every target met at its bound, with the floor and the peer for context", () => {
    const verdicts = judgeHttpTargets([
      report("node-floor", step(200, true, 30), 1_600),
      threadline({
        capacity: 800,
        usPerDelta: 20,
        p99At200: 53,
        failing: failingWithMedians(1_100, 50, 100),
      }),
      report("ds-memory", step(200, false, 400), 71),
      report("ds-file", step(200, false, Number.NaN), 0),
    ]);
    expect(verdicts.map((v) => v.met)).toEqual([true, true, true, true, true]);
    expect(verdicts[0]?.detail).toBe(
      "800 streams, ended by: server; the floor (Node's HTTP and JSON alone) 1600",
    );
    expect(verdicts[1]?.detail).toBe("800 against ds-memory 71, ds-file 0");
    expect(verdicts[2]?.detail).toBe("20.0 µs at S = 800; the floor 40.0 µs at S = 1600");
  });

  it("misses each target just past its bound", () => {
    const verdicts = judgeHttpTargets([
      threadline({
        capacity: 570,
        usPerDelta: 20.1,
        p99At200: 53.1,
        failing: failingWithMedians(800, 50, 101),
      }),
      report("ds-memory", step(200, true, 40), 570),
    ]);
    const name = "HTTP threadline-sqlite";
    expect(verdicts.map((v) => [v.target, v.met])).toEqual([
      [`${name} keeps up with ≥ 800 streams, one viewer each`, false],
      [`${name} keeps up with more streams than the Durable Streams server`, false],
      [`${name}: server CPU per delta delivered to its viewer ≤ 20 µs`, false],
      [`${name}: p99 delta → viewer ≤ 53 ms at 200 streams`, false],
      [`${name}: past saturation every stream degrades alike (stream medians p90 ≤ 2× p10)`, false],
    ]);
    expect(verdicts[4]?.detail).toBe(
      "at 800 streams: stream medians p10 / p90 / max 50 / 101 / 202 ms",
    );
    // Within 53 ms but failed (its producers lagged, say): not met.
    const lagging = threadline({ capacity: 800, usPerDelta: 10, p99At200: 40 });
    lagging.atReference.keepsUp = false;
    const p99 = judgeHttpTargets([lagging]).find((v) => v.target.includes("p99"));
    expect(p99).toMatchObject({ met: false, detail: "p99 40.0 ms (the step failed)" });
  });

  it("says so when no step kept up or a step never ended, and judges nothing without threadline-sqlite", () => {
    const none = threadline({
      capacity: 0,
      usPerDelta: 0,
      p99At200: Number.NaN,
      failing: failingWithMedians(10, Number.NaN, Number.NaN),
    });
    none.atCapacity = null;
    none.atReference = step(200, false, Number.NaN);
    const verdicts = judgeHttpTargets([none]);
    expect(verdicts.every((v) => !v.met)).toBe(true);
    expect(verdicts.map((v) => v.detail)).toEqual([
      "0 streams, ended by: server",
      "no step kept up",
      "the step never ended",
      "at 10 streams the step never ended",
    ]);
    expect(judgeHttpTargets([report("node-floor", step(200, true, 30), 800)])).toEqual([]);
  });
});
