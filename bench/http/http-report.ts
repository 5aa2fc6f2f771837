/**
 * The HTTP bench's table: one row per backend with its capacity, latency at capacity and at
 * S = 200, the server's CPU per delta, the generators' share and what limited the ladder.
 */
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
