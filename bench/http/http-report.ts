/**
 * The HTTP bench's table: one row per backend with its capacity, latency at capacity and at
 * S = 200, the server's CPU per delta, the generators' share and what limited the ladder; and
 * issue 9's HTTP targets judged from the same run.
 */
import type { TargetVerdict } from "../report.js";
import type { HttpStepResult } from "./http-step.js";
import type { HttpBackend } from "./servers.js";

/** What the HTTP bench reports for one backend. */
export interface BackendReport {
  backend: HttpBackend;
  description: string;
  /** Largest S that kept up (0 when none did). */
  capacity: number;
  /** Smallest S above the capacity that was run and failed; null when none failed. */
  firstFailing: number | null;
  atCapacity: HttpStepResult | null;
  /** The step at S = 200 (run on purpose when the ladder skipped it). */
  atReference: HttpStepResult;
  /** What ended the ladder: the failing step's limit, or the top of the ladder. */
  limit: HttpStepResult["limit"] | "ladder top";
  steps: HttpStepResult[];
}

/** A Markdown table of the reports, one row per backend. */
export function formatHttpTable(reports: readonly BackendReport[]): string {
  const header =
    "| backend | capacity S | p50/p99 at capacity (ms) | p99 at S=200 (ms) | server µs/delta | server % core | generator % core | others % core | limit |";
  const rule = "|---|---|---|---|---|---|---|---|---|";
  const rows = reports.map((r) => {
    const c = r.atCapacity;
    const cells = [
      r.backend,
      String(r.capacity),
      c ? `${c.latencyMs.p50.toFixed(1)} / ${c.latencyMs.p99.toFixed(1)}` : "—",
      // A step that never ended (the server overwhelmed) has no latency: no NaN in the table.
      `${Number.isFinite(r.atReference.latencyMs.p99) ? r.atReference.latencyMs.p99.toFixed(1) : "—"}${r.atReference.keepsUp ? "" : " (fails)"}`,
      c ? c.cpu.serverUsPerDelta.toFixed(1) : "—",
      c ? c.cpu.serverPctOfCore.toFixed(0) : "—",
      c ? c.cpu.generatorPctOfCore.map((p) => p.toFixed(0)).join(" + ") : "—",
      c ? c.cpu.othersPctOfCore.toFixed(0) : "—",
      r.limit ?? "—",
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}

/**
 * Issue 9's end-to-end targets, judged on `threadline serve` with the default SQLite driver:
 * streams kept up with (one viewer each, p99 ≤ 100 ms), server CPU per delta delivered to its
 * viewer at that capacity (µs), p99 delta → viewer at S = 200 (one 33 ms window + 20 ms), and how
 * far apart the streams' medians may lie at the first failing step (p90 / p10).
 */
export const HTTP_TARGETS = {
  backend: "threadline-sqlite",
  streams: 800,
  usPerDelta: 20,
  p99AtReferenceMs: 33 + 20,
  streamSpread: 2,
} as const satisfies { backend: HttpBackend } & Record<string, unknown>;

/**
 * Judges issue 9's HTTP targets ({@link HTTP_TARGETS}) from one run: capacity (with the floor's,
 * when it ran, and what ended the ladder, so a reader sees whether the machine or the server
 * did), ahead of the Durable Streams server (when it ran), CPU per delta, p99 at S = 200, and
 * whether past saturation every stream degraded alike (uploads left unread would show as a few
 * streams far behind the rest). Empty when `threadline-sqlite` was not run.
 */
export function judgeHttpTargets(reports: readonly BackendReport[]): TargetVerdict[] {
  const of = (backend: HttpBackend) => reports.find((r) => r.backend === backend);
  const tl = of(HTTP_TARGETS.backend);
  if (!tl) return [];
  const name = `HTTP ${HTTP_TARGETS.backend}`;
  const floor = of("node-floor");
  const verdicts: TargetVerdict[] = [];
  verdicts.push({
    target: `${name} keeps up with ≥ ${HTTP_TARGETS.streams} streams, one viewer each`,
    met: tl.capacity >= HTTP_TARGETS.streams,
    detail:
      `${tl.capacity} streams, ended by: ${tl.limit ?? "—"}` +
      (floor ? `; the floor (Node's HTTP and JSON alone) ${floor.capacity}` : ""),
  });
  const peers = (["ds-memory", "ds-file"] as const).flatMap((b) => of(b) ?? []);
  if (peers.length > 0) {
    const best = peers.reduce((a, b) => (b.capacity > a.capacity ? b : a));
    verdicts.push({
      target: `${name} keeps up with more streams than the Durable Streams server`,
      met: tl.capacity > best.capacity,
      detail: `${tl.capacity} against ${peers.map((p) => `${p.backend} ${p.capacity}`).join(", ")}`,
    });
  }
  const us = tl.atCapacity?.cpu.serverUsPerDelta;
  verdicts.push({
    target: `${name}: server CPU per delta delivered to its viewer ≤ ${HTTP_TARGETS.usPerDelta} µs`,
    met: us !== undefined && us <= HTTP_TARGETS.usPerDelta,
    detail:
      (us === undefined ? "no step kept up" : `${us.toFixed(1)} µs at S = ${tl.capacity}`) +
      (floor?.atCapacity
        ? `; the floor ${floor.atCapacity.cpu.serverUsPerDelta.toFixed(1)} µs at S = ${floor.capacity}`
        : ""),
  });
  const reference = tl.atReference;
  const p99 = reference.latencyMs.p99;
  verdicts.push({
    target: `${name}: p99 delta → viewer ≤ ${HTTP_TARGETS.p99AtReferenceMs} ms at ${reference.streams} streams`,
    met: reference.keepsUp && p99 <= HTTP_TARGETS.p99AtReferenceMs,
    detail: Number.isFinite(p99)
      ? `p99 ${p99.toFixed(1)} ms${reference.keepsUp ? "" : " (the step failed)"}`
      : "the step never ended",
  });
  const failing = tl.steps.find((s) => s.streams === tl.firstFailing);
  if (failing) {
    const { p10, p90, max } = failing.streamMedianLatencyMs;
    verdicts.push({
      target: `${name}: past saturation every stream degrades alike (stream medians p90 ≤ ${HTTP_TARGETS.streamSpread}× p10)`,
      met: p10 > 0 && p90 <= HTTP_TARGETS.streamSpread * p10,
      detail: Number.isFinite(p10)
        ? `at ${failing.streams} streams: stream medians p10 / p90 / max ${p10.toFixed(0)} / ${p90.toFixed(0)} / ${max.toFixed(0)} ms`
        : `at ${failing.streams} streams the step never ended`,
    });
  }
  return verdicts;
}
