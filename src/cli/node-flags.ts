/**
 * The Node flag that sizes V8's young generation for a streaming server: semi-spaces of 64 MB
 * instead of 16 MB on 64-bit Node 20. A streamed delta's short-lived objects (the parsed chunk,
 * its fold step, its promise, the tick's batch) live about one 33 ms window; with 16 MB
 * semi-spaces a scavenge comes every ~100 ms at 100 000 deltas a second and copies the third of
 * them still buffered, then promotes them into the old generation. Measured (issue 9, bench of
 * 2026-12-03, alternating runs): `threadline serve` on SQLite at 300 streams over HTTP, 45.6–54.5
 * against 53.4–62.7 µs of server CPU per delta (32 MB: 47.9–51.9; 128 MB: no better than 64) for
 * ~40 MB more resident memory (302 against 263 MB); in process at 2 000 streams, 114–115 against
 * 127–128 % of a core.
 *
 * V8 sizes its heap before any JavaScript runs, so a process cannot give itself the flag
 * (`v8.setFlagsFromString` leaves the new space as it is): pass it to `node`, or as
 * `NODE_OPTIONS=--max-semi-space-size=64`.
 */
export const YOUNG_GENERATION_FLAG = "--max-semi-space-size=64";

/**
 * Whether the young generation of this process was sized: `--max-semi-space-size` in its Node
 * flags (`execArgv`, e.g. `node --max-semi-space-size=64 main.js`) or in `NODE_OPTIONS`, with any
 * value. `threadline serve` logs a hint when it was not.
 */
export function youngGenerationSized(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? "",
): boolean {
  const sized = (flag: string) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(flag);
  return execArgv.some(sized) || nodeOptions.split(/\s+/).some(sized);
}
