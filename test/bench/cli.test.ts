import { describe, expect, it } from "vitest";
import { BenchUsageError, parseOptions } from "../../bench/cli.js";

/** The bench's options: what `npm run bench -- …` runs with, and the errors a typo gets. */
describe("npm run bench options", () => {
  it("defaults to the full in-process run on both backends", () => {
    const options = parseOptions([], {});
    expect(options).toMatchObject({
      quick: false,
      durationMs: 3_000,
      start: 20,
      backends: ["sqlite", "postgres"],
      strategies: ["naive", "window", "threadline"],
      sqliteWorker: false,
      http: false,
      httpSteps: [],
      soak: null,
    });
  });

  it("reads BENCH_* variables, and a flag on the command line wins", () => {
    const env = { BENCH_DURATION_MS: "2000", BENCH_QUICK: "1", BENCH_LADDER: "5,50" };
    expect(parseOptions([], env)).toMatchObject({
      quick: true,
      durationMs: 2_000,
      ladder: [5, 50],
    });
    expect(parseOptions(["--duration-ms", "900", "--ladder=7"], env)).toMatchObject({
      durationMs: 900,
      ladder: [7],
    });
  });

  it("parses the HTTP and soak modes", () => {
    expect(
      parseOptions(
        ["--http", "--http-backends", "node-floor,ds-file", "--http-steps", "200,280"],
        {},
      ),
    ).toMatchObject({ http: true, httpBackends: ["node-floor", "ds-file"], httpSteps: [200, 280] });
    expect(parseOptions(["--soak", "--soak-minutes", "2"], {})).toMatchObject({
      soak: { minutes: 2, streams: 200, sampleS: 30, dir: "bench/results" },
    });
    expect(
      parseOptions(["--soak", "--soak-minutes", "0.5", "--soak-sample-s", "7.5"], {}),
    ).toMatchObject({
      soak: { minutes: 0.5, sampleS: 7.5 },
    });
  });

  it("answers --help instead of running", () => {
    expect(parseOptions(["--help"], {})).toBe("help");
  });

  it.each([
    [["--duration-ms", "3s"], /--duration-ms takes an integer ≥ 1 \(got "3s"\)/],
    [["--ladder", "100,abc"], /--ladder takes an integer ≥ 1 \(got "abc"\)/],
    [["--start", "0"], /--start takes an integer ≥ 1/],
    [["--refine=-1"], /--refine takes an integer ≥ 0/],
    [["--strategies", "threadline,fast"], /--strategies: unknown "fast"/],
    [["--backends", "mysql"], /--backends: unknown "mysql" \(one of sqlite, postgres\)/],
    [["--http-backends", "nginx"], /--http-backends: unknown "nginx"/],
    [["--sqlite-worker", "yes"], /--sqlite-worker takes 0 or 1/],
    [["--soak", "--soak-minutes", "0"], /--soak-minutes takes a number > 0 \(got "0"\)/],
    [["--ladder", ","], /--ladder takes a comma-separated list/],
    [["--durations-ms", "5"], /Unknown option '--durations-ms'/],
    [["threadline"], /Unexpected argument 'threadline'/],
  ])("rejects %j with a message naming the flag", (argv, message) => {
    expect(() => parseOptions(argv, {})).toThrow(BenchUsageError);
    expect(() => parseOptions(argv, {})).toThrow(message);
  });

  it("rejects a bad BENCH_* value the same way", () => {
    expect(() => parseOptions([], { BENCH_P99_MS: "fast" })).toThrow(/--p99-ms takes an integer/);
  });
});
