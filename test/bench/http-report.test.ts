/**
 * The HTTP bench's table (`bench/http/http-report.ts`): a step that never ended — the server
 * overwhelmed, nothing delivered — has no latency, and its row says so instead of printing NaN.
 */
import { describe, expect, it } from "vitest";
import { type BackendReport, formatHttpTable } from "../../bench/http/http-report.js";
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
