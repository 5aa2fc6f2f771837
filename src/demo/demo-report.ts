import type { DemoThreadResult } from "./run-demo.js";

/** Renders the per-thread results as an aligned text table. */
export function formatDemoTable(results: readonly DemoThreadResult[]): string {
  const header = [
    "recording",
    "chunks",
    "events",
    "commits",
    "status",
    "chars",
    "p50 ms",
    "p99 ms",
    "matches AI SDK",
  ];
  const rows = results.map((r) => [
    r.file,
    String(r.chunks),
    String(r.events),
    String(r.commits),
    r.status,
    String(r.characters),
    r.latencyMs ? String(r.latencyMs.p50) : "–",
    r.latencyMs ? String(r.latencyMs.p99) : "–",
    r.matches ? "yes" : `NO (${r.mismatch})`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === 0 || i >= 4 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
      )
      .join("  ");
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
