/**
 * The end of a soak run: a summary per backend on the console (issue 8 item 3: flat size, RSS
 * growth, p99 range, bytes per final character after compaction ≤ 2×), bench/results/soak.json
 * and bench/results/soak-<backend>.png.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { soakSvg, writePng } from "./plot.js";
import type { SoakBackendResult, SoakOptions } from "./soak.js";

/** The issue's bound on bytes stored per character of final text after compaction. */
export const BYTES_PER_CHAR_LIMIT = 2;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The summary lines of one backend. */
export function formatSummary(result: SoakBackendResult): string[] {
  const { summary: s, afterCompaction: a, vacuumProbe } = result;
  const half = s.secondHalf;
  const minutes = (half.toS - half.fromS) / 60;
  const used = a.usedBytesPerChar;
  const holds = a.liveBytesPerChar <= BYTES_PER_CHAR_LIMIT;
  const lines = [
    `[soak ${result.backend}] summary`,
    `  size, second half (${Math.round(half.fromS)}–${Math.round(half.toS)} s): ${half.sizeGrowthBytes >= 0 ? "+" : ""}${mb(half.sizeGrowthBytes)} (${half.sizeGrowthPct} %, ${mb(half.sizeGrowthBytes / minutes)}/min)` +
      `${half.usedGrowthBytes === null ? "" : `, pages in use ${mb(half.usedGrowthBytes)}`}; ` +
      `${(half.charsAdded / 1e6).toFixed(2)} M characters of final text added: ${half.bytesPerAddedChar} B per added character; events rows ${half.eventRowsGrowth >= 0 ? "+" : ""}${half.eventRowsGrowth}`,
    `  RSS: ${mb(s.rss.firstBytes)} → ${mb(s.rss.lastBytes)} (${mb(s.rss.growthBytes)}; second half ${mb(s.rss.secondHalfGrowthBytes)})`,
    `  p99 delta → subscriber over ${result.samples.length} intervals: ${s.p99Ms.min}–${s.p99Ms.max} ms (median ${s.p99Ms.median})`,
    `  at the end of streaming: ${s.bytesPerCharAtEnd} B/char${s.usedBytesPerCharAtEnd === null ? "" : ` (pages in use ${s.usedBytesPerCharAtEnd})`} with the last horizon's deltas still in the log`,
    `  after compaction (clock moved past the horizon): ${a.eventRows} events, ${mb(a.sizeBytes)}` +
      `${a.usedBytes === null ? "" : `, pages in use ${mb(a.usedBytes)}`} for ${(a.finalChars / 1e6).toFixed(2)} M characters: ` +
      `${a.bytesPerChar} B/char ${used === null ? "relation size" : "on disk"}, ${a.liveBytesPerChar} B/char ${used === null ? "live rows" : "in use"} — ` +
      `${holds ? "HOLDS" : "MISSES"} issue 8's ≤ ${BYTES_PER_CHAR_LIMIT}× (${used === null ? "live rows" : "pages in use"})`,
    `  by table: ${Object.entries(a.tables)
      .filter(([, bytes]) => bytes / a.finalChars >= 0.005)
      .map(([name, bytes]) => `${name} ${(bytes / a.finalChars).toFixed(2)}`)
      .join(", ")} (B/char)`,
  ];
  for (const copy of vacuumProbe?.copies ?? []) {
    lines.push(
      `  auto_vacuum=${copy.mode}: deleting ${copy.rowsDeleted} delta rows in ${copy.batches} batches of ${vacuumProbe?.batchRows}: ` +
        `file ${mb(copy.fileBytesBefore)} → ${mb(copy.fileBytesAfter)} (in use ${mb(copy.usedBytesAfter)}, ${copy.freelistPagesAfter} free pages); ` +
        `delete ${copy.deleteMs} ms, incremental_vacuum ${copy.vacuumMs} ms${copy.conversionMs ? `, conversion VACUUM ${copy.conversionMs} ms` : ""}`,
    );
  }
  return lines;
}

/**
 * Prints the summaries, writes `<dir>/soak.json` and `<dir>/soak-<backend>.png`.
 * @returns the paths written.
 */
export async function writeSoakResults(
  dir: string,
  options: SoakOptions,
  results: readonly SoakBackendResult[],
  extra: Record<string, unknown>,
): Promise<string[]> {
  for (const result of results) console.log(`\n${formatSummary(result).join("\n")}`);
  const json = join(dir, "soak.json");
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(
    json,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), ...extra, options, results }, null, 2)}\n`,
  );
  const written = [json];
  for (const result of results) {
    const png = join(dir, `soak-${result.backend}.png`);
    const title = `Threadline soak, ${result.backend}: ${options.streams} live streams, ${options.minutes} min, compaction horizon 60 s`;
    await writePng(await soakSvg(title, result.samples), png);
    written.push(png);
  }
  return written;
}
