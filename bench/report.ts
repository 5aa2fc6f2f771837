/**
 * Turns the measurements into the printed table, the target verdicts and the JSON file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { CapacityResult } from "./ladder.js";
import type { StepResult } from "./step.js";
import type { ThreadlineCounters } from "./strategies/threadline.js";

/** Everything measured for one strategy on one backend. */
export interface StrategyReport {
  backend: "sqlite" | "postgres";
  strategy: string;
  /** What "bytes written" counts on this backend. */
  bytesSource: string;
  capacity: CapacityResult;
  /** The step at `capacity.maxStreams` (null when no step kept up). */
  atMax: StepResult | null;
  /** Fixed-size phases: messages of about 1 KB, 8 KB and 64 KB during the window. */
  bytes: { at1KB: StepResult; at8KB: StepResult; at64KB: StepResult };
  /** Threadline's broker and writer counters at the end (Threadline only). */
  counters?: ThreadlineCounters;
}

/** One target of the issue and whether it was met. */
export interface TargetVerdict {
  target: string;
  met: boolean;
  detail: string;
}

/** Issue 9's capacity targets per backend: streams, and ratios against the other strategies. */
const CAPACITY_TARGETS = [
  { backend: "sqlite", streams: 2_000, overWindow: 3, overNaive: 10 },
  { backend: "postgres", streams: 1_000, overWindow: 3, overNaive: 20 },
] as const;

/** The coalescing window every strategy uses (ms). */
const WINDOW_MS = 33;

/**
 * Issue 9's CPU budget in process: µs of CPU per delta delivered to its one subscriber, at
 * Threadline's largest S. The process holds the bench's producers and subscribers too (the
 * `floor` strategy measures them alone), so the figure is an upper bound of the store's own.
 */
const IN_PROCESS_US_PER_DELTA = 8;

/**
 * The process's CPU per delta delivered in `step` (µs): its share of a core over the deltas a
 * second; NaN when nothing was delivered.
 */
export function cpuUsPerDelta(step: StepResult): number {
  return step.deltasPerSec > 0
    ? (step.cpu.processPctOfCore * 10_000) / step.deltasPerSec
    : Number.NaN;
}

/** A verdict as the bench prints it: `MET` or `MISSED`, the target and what was measured. */
export function formatVerdict(verdict: TargetVerdict): string {
  return `${verdict.met ? "MET    " : "MISSED "} ${verdict.target}: ${verdict.detail}`;
}

/**
 * The targets of issue 9: per backend, Threadline keeps up with ≥ 2 000 (SQLite) / 1 000
 * (PostgreSQL) streams, ≥ 3× crush's per-message window and ≥ 10× / 20× naive; p50 delta →
 * subscriber ≤ one window at its largest S; CPU per delta ≤ {@link IN_PROCESS_US_PER_DELTA} µs
 * there; ≤ 1 streaming commit per window; bytes written per streamed character flat from 1 KB to
 * 64 KB messages and below the window design's at every size.
 */
export function judgeTargets(reports: readonly StrategyReport[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const target of CAPACITY_TARGETS) {
    const of = (strategy: string) =>
      reports.find((r) => r.backend === target.backend && r.strategy === strategy);
    const threadline = of("threadline");
    if (!threadline) continue;
    const tl = threadline.capacity;
    const bound = tl.firstFailingStreams === null ? " (ladder top reached: a lower bound)" : "";
    verdicts.push({
      target: `${target.backend}: Threadline keeps up with ≥ ${target.streams} streams`,
      met: tl.maxStreams >= target.streams,
      detail: `${tl.maxStreams} streams${bound}`,
    });
    for (const [other, factor] of [
      ["window", target.overWindow],
      ["naive", target.overNaive],
    ] as const) {
      const report = of(other);
      if (!report) continue;
      const base = report.capacity.maxStreams;
      const ratio = base === 0 ? Number.POSITIVE_INFINITY : tl.maxStreams / base;
      verdicts.push({
        target: `${target.backend}: Threadline keeps up with ≥ ${factor}× the streams of ${other}`,
        met: tl.maxStreams > 0 && ratio >= factor,
        detail: `Threadline ${tl.maxStreams} vs ${other} ${base} streams = ${ratio.toFixed(1)}×${bound}`,
      });
    }
    const p50 = threadline.atMax?.latencyMs.p50;
    if (p50 !== undefined) {
      verdicts.push({
        target: `${target.backend}: p50 delta → subscriber ≤ ${WINDOW_MS} ms at Threadline's largest S`,
        met: p50 <= WINDOW_MS,
        detail: `p50 ${p50.toFixed(1)} ms at S = ${tl.maxStreams}`,
      });
    }
    if (threadline.atMax) {
      const us = cpuUsPerDelta(threadline.atMax);
      const floor = of("floor")?.atMax;
      verdicts.push({
        target: `${target.backend}: CPU per delta ≤ ${IN_PROCESS_US_PER_DELTA} µs in process at Threadline's largest S (the whole process: store, producers and subscribers)`,
        met: us <= IN_PROCESS_US_PER_DELTA,
        detail:
          `${us.toFixed(1)} µs at S = ${tl.maxStreams} (${threadline.atMax.cpu.processPctOfCore.toFixed(0)} % of a core)` +
          (floor
            ? `; the floor strategy (producers and subscribers alone) ${cpuUsPerDelta(floor).toFixed(1)} µs at S = ${floor.streams}`
            : ""),
      });
    }
    const window = of("window");
    const sizes = ["at1KB", "at8KB", "at64KB"] as const;
    const perChar = sizes.map((size) => threadline.bytes[size].bytesPerChar);
    const flat = Math.max(...perChar) / Math.max(1e-9, Math.min(...perChar));
    const below = window
      ? sizes.every((size, i) => (perChar[i] ?? 0) < window.bytes[size].bytesPerChar)
      : true;
    verdicts.push({
      target: `${target.backend}: bytes per streamed character flat from 1 KB to 64 KB (max/min ≤ 1.5)${
        window ? " and below the window design's at every size" : " (window not run: not compared)"
      }`,
      met: flat <= 1.5 && below,
      detail: `Threadline ${perChar.map((b) => b.toFixed(1)).join(" / ")} B/char${
        window
          ? ` vs window ${sizes.map((size) => window.bytes[size].bytesPerChar.toFixed(1)).join(" / ")}`
          : ""
      } at 1 / 8 / 64 KB`,
    });
  }
  const steps = reports
    .filter((r) => r.strategy === "threadline")
    .flatMap((r) =>
      [...r.capacity.steps, r.bytes.at1KB, r.bytes.at8KB, r.bytes.at64KB].map((s) => ({
        backend: r.backend,
        s,
      })),
    );
  if (steps.length > 0) {
    // Streaming commits must start at least one window apart (1 ms of Date.now() granularity).
    const over = steps.filter(({ s }) => (s.commitLoop?.gapsUnderWindow ?? 0) > 0);
    const worst = Math.max(...steps.map(({ s }) => s.streamingCommitsPerWindow));
    verdicts.push({
      target: `Threadline: ≤ 1 commit per ${WINDOW_MS} ms window for all streaming writes together`,
      met: over.length === 0,
      detail:
        over.length === 0
          ? `max ${worst.toFixed(2)} streaming commits per window over ${steps.length} steps`
          : `ticks < ${WINDOW_MS} ms apart in ${over
              .map(
                ({ backend, s }) =>
                  `${backend} S=${s.streams} (${s.commitLoop?.gapsUnderWindow}/${s.commitLoop?.started}, min ${s.commitLoop?.minGapMs} ms)`,
              )
              .join(", ")}; max ${worst.toFixed(2)} per window on average`,
    });
  }
  return verdicts;
}

/** Renders the summary table. */
export function formatTable(reports: readonly StrategyReport[]): string {
  const header = [
    "backend",
    "strategy",
    "max S",
    "fails at",
    "commits/s",
    "stream commits/33ms",
    "p50 ms",
    "p99 ms",
    "cpu %core",
    "cpu µs/char",
    "cpu µs/delta",
    "db %core",
    "B/char mixed",
    "B/char @1KB",
    "B/char @8KB",
    "B/char @64KB",
  ];
  const rows = reports.map((r) => {
    const m = r.atMax;
    return [
      r.backend,
      r.strategy,
      String(r.capacity.maxStreams),
      r.capacity.firstFailingStreams === null ? "-" : String(r.capacity.firstFailingStreams),
      m ? num(m.commitsPerSec) : "-",
      m ? num(m.streamingCommitsPerWindow) : "-",
      m ? num(m.latencyMs.p50) : "-",
      m ? num(m.latencyMs.p99) : "-",
      m ? num(m.cpu.processPctOfCore) : "-",
      m ? num(m.cpu.processUsPerChar) : "-",
      m ? num(cpuUsPerDelta(m)) : "-",
      m?.cpu.databasePctOfCore == null ? "-" : num(m.cpu.databasePctOfCore),
      m ? num(m.bytesPerChar) : "-",
      num(r.bytes.at1KB.bytesPerChar),
      num(r.bytes.at8KB.bytesPerChar),
      num(r.bytes.at64KB.bytesPerChar),
    ];
  });
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Writes `data` as pretty JSON to `path`, creating its folder. */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}

/** One line describing a step, for progress output. */
export function describeStep(s: StepResult): string {
  const verdict = s.keepsUp ? "keeps up" : `FAILS (${s.failures.join("; ")})`;
  return (
    `S=${s.streams}: ${verdict} | p50 ${num(s.latencyMs.p50)} ms p99 ${num(s.latencyMs.p99)} ms, ` +
    `lag p99 ${num(s.producerLagMs.p99)} ms, ${num(s.deltasPerSec)} deltas/s, ${num(s.commitsPerSec)} commits/s, ` +
    `cpu ${num(s.cpu.processPctOfCore)}%` +
    (s.cpu.databasePctOfCore === null ? "" : ` + db ${num(s.cpu.databasePctOfCore)}%`) +
    `, ${num(s.bytesPerChar)} B/char` +
    (s.bytesDetailPerChar?.clusterBytes === undefined
      ? ""
      : ` (cluster ${num(s.bytesDetailPerChar.clusterBytes)})`) +
    `, loop delay p99 ${num(s.stalls.eventLoopDelayMs.p99)} ms` +
    (s.stalls.ioStallPct === null ? "" : `, io stall ${num(s.stalls.ioStallPct)}%`) +
    (s.commitLoop
      ? `, ticks ≥ ${num(s.commitLoop.minGapMs)} ms apart (${s.commitLoop.gapsUnderWindow} < 33 ms), ` +
        `commit p50 ${num(s.commitLoop.durationMs.p50)} ms max ${num(s.commitLoop.durationMs.max)} ms`
      : "")
  );
}

function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
