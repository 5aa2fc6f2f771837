/**
 * One row of the soak table: what the run looked like at one moment, and the per-backend summary
 * computed from the rows (size growth over the second half, RSS growth, p99 range, bytes stored
 * per character of final text).
 */
import type { IntervalFigures } from "./interval-tracker.js";
import type { StorageReading } from "./storage-meter.js";

/** One sample of a soak run. */
export interface SoakSample extends StorageReading {
  /** Seconds since the streams started. */
  elapsedS: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Delta → subscriber latency over the interval since the previous sample. */
  latencyMs: IntervalFigures["latencyMs"];
  /** Deltas written and not yet delivered. */
  backlog: number;
  /** Characters of message text written so far: the final text stored. */
  finalChars: number;
  /** `sizeBytes / finalChars`. */
  bytesPerChar: number;
  /** SQLite: `usedBytes / finalChars`; null on PostgreSQL. */
  usedBytesPerChar: number | null;
  /** `message.delta` events removed by compaction so far. */
  compactedRows: number;
}

/** What a soak run on one backend came to. */
export interface SoakSummary {
  /** Database size from the middle sample to the last (the second half of the run). */
  secondHalf: {
    fromS: number;
    toS: number;
    sizeGrowthBytes: number;
    sizeGrowthPct: number;
    /** Growth of used pages (SQLite) — what the file would grow by if free pages were returned. */
    usedGrowthBytes: number | null;
    charsAdded: number;
    /** Bytes the database grew by per character of final text added meanwhile. */
    bytesPerAddedChar: number;
    eventRowsGrowth: number;
  };
  rss: {
    firstBytes: number;
    lastBytes: number;
    growthBytes: number;
    secondHalfGrowthBytes: number;
  };
  p99Ms: { min: number; max: number; median: number };
  /** Size per final character at the end of the streaming (deltas of the last horizon still in). */
  bytesPerCharAtEnd: number;
  usedBytesPerCharAtEnd: number | null;
}

/**
 * Summarizes the samples of one run.
 * @throws Error when there are fewer than two samples.
 */
export function summarize(samples: readonly SoakSample[]): SoakSummary {
  const last = samples.at(-1);
  const first = samples[0];
  if (!first || !last || samples.length < 2) throw new Error("a soak run needs two samples");
  const middle = samples[Math.floor((samples.length - 1) / 2)] as SoakSample;
  const p99s = samples.map((s) => s.latencyMs.p99).sort((a, b) => a - b);
  const charsAdded = last.finalChars - middle.finalChars;
  const sizeGrowthBytes = last.sizeBytes - middle.sizeBytes;
  return {
    secondHalf: {
      fromS: middle.elapsedS,
      toS: last.elapsedS,
      sizeGrowthBytes,
      sizeGrowthPct: round((sizeGrowthBytes / middle.sizeBytes) * 100),
      usedGrowthBytes:
        last.usedBytes === null || middle.usedBytes === null
          ? null
          : last.usedBytes - middle.usedBytes,
      charsAdded,
      bytesPerAddedChar: round(charsAdded === 0 ? 0 : sizeGrowthBytes / charsAdded),
      eventRowsGrowth: last.eventRows - middle.eventRows,
    },
    rss: {
      firstBytes: first.rssBytes,
      lastBytes: last.rssBytes,
      growthBytes: last.rssBytes - first.rssBytes,
      secondHalfGrowthBytes: last.rssBytes - middle.rssBytes,
    },
    p99Ms: {
      min: p99s[0] ?? 0,
      max: p99s.at(-1) ?? 0,
      median: p99s[Math.floor(p99s.length / 2)] ?? 0,
    },
    bytesPerCharAtEnd: last.bytesPerChar,
    usedBytesPerCharAtEnd: last.usedBytesPerChar,
  };
}

/** The table header printed before the first sample. */
export const SAMPLE_HEADER =
  "   t s    size MB    used MB   wal MB   events    RSS MB  heap MB   p50 ms   p99 ms  backlog   chars M  B/char  used B/char";

/** One sample as a line under {@link SAMPLE_HEADER}. */
export function formatSample(s: SoakSample): string {
  const mb = (b: number | null) => (b === null ? "-" : (b / 1e6).toFixed(1));
  return [
    String(Math.round(s.elapsedS)).padStart(6),
    mb(s.sizeBytes).padStart(10),
    mb(s.usedBytes).padStart(10),
    mb(s.walBytes).padStart(8),
    String(s.eventRows).padStart(8),
    mb(s.rssBytes).padStart(9),
    mb(s.heapUsedBytes).padStart(8),
    s.latencyMs.p50.toFixed(1).padStart(8),
    s.latencyMs.p99.toFixed(1).padStart(8),
    String(s.backlog).padStart(8),
    (s.finalChars / 1e6).toFixed(2).padStart(9),
    s.bytesPerChar.toFixed(2).padStart(7),
    (s.usedBytesPerChar === null ? "-" : s.usedBytesPerChar.toFixed(2)).padStart(12),
  ].join(" ");
}

/** Rounds to two decimals. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}
