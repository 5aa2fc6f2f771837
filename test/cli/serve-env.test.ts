/**
 * Issue 8 item 4: every `threadline serve` flag is also read from `THREADLINE_<FLAG>` (the command
 * line wins), `--help` lists each variable, and a variable takes effect in a real process.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { serveCommand, serverOptionsOf } from "../../src/cli/commands/serve.js";
import { envNameOf } from "../../src/cli/shared-options.js";
import { API_KEYS_ENV, PATHS } from "../../src/protocol/http.js";
import { parseServeFlags } from "../support/parse-serve.js";
import { startServe } from "../support/serve-process.js";

// Environment variables set by a test (vi.stubEnv) are restored after it.
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("threadline serve environment variables (issue 8 item 4)", () => {
  it("--help names the variable of every flag: THREADLINE_<FLAG>, THREADLINE_DB and THREADLINE_API_KEYS kept", () => {
    const command = serveCommand();
    const help = command.helpInformation().replace(/\s+/g, " ");
    const flags = command.options.map((option) => option.long ?? "");
    expect(flags).toEqual(
      expect.arrayContaining(["--db", "--port", "--window-ms", "--log-level", "--api-key"]),
    );
    for (const flag of flags) {
      const name = flag === "--api-key" ? API_KEYS_ENV : envNameOf(flag);
      expect(help, flag).toContain(`env: ${name}`);
    }
    expect(envNameOf("--db")).toBe("THREADLINE_DB");
    expect(envNameOf("--max-body-bytes")).toBe("THREADLINE_MAX_BODY_BYTES");
  });

  it("a variable sets its flag, the command line wins, and a bad value is refused naming the flag", () => {
    vi.stubEnv("THREADLINE_WINDOW_MS", "7");
    vi.stubEnv("THREADLINE_NODE_ID", "node-7");
    vi.stubEnv("THREADLINE_LOG_LEVEL", "debug");
    expect(parseServeFlags([])).toMatchObject({ windowMs: 7, nodeId: "node-7", logLevel: "debug" });
    expect(parseServeFlags(["--window-ms", "9"]).windowMs).toBe(9);
    expect(parseServeFlags([]).logLevel).toBe("debug");
    vi.stubEnv("THREADLINE_LOG_LEVEL", "loud");
    expect(() => parseServeFlags([])).toThrow(/loud/);
    vi.stubEnv("THREADLINE_LOG_LEVEL", "info");
    vi.stubEnv("THREADLINE_MAX_BODY_BYTES", "1MiB");
    expect(() => parseServeFlags([])).toThrow(/--max-body-bytes must be a positive integer/);
  });

  it("R30: --unavailable-after-ms sets how long uploads wait out an outage (default 10 000 ms; THREADLINE_UNAVAILABLE_AFTER_MS); not a positive integer is refused naming the flag", () => {
    const optionsOf = (args: string[]) =>
      serverOptionsOf(parseServeFlags(["--api-key", "ws:k", ...args]));
    expect(optionsOf([]).unavailableAfterMs).toBe(10_000);
    expect(optionsOf(["--unavailable-after-ms", "45000"]).unavailableAfterMs).toBe(45_000);
    vi.stubEnv("THREADLINE_UNAVAILABLE_AFTER_MS", "60000");
    expect(optionsOf([]).unavailableAfterMs).toBe(60_000);
    expect(() => optionsOf(["--unavailable-after-ms", "0"])).toThrow(
      /--unavailable-after-ms must be a positive integer/,
    );
  });

  it("in a real serve: THREADLINE_MAX_BODY_BYTES answers 413 past it, THREADLINE_LOG_LEVEL=debug logs /healthz", async () => {
    const server = await startServe({
      database: "sqlite::memory:",
      env: { THREADLINE_MAX_BODY_BYTES: "64", THREADLINE_LOG_LEVEL: "debug" },
    });
    const post = (title: string) =>
      fetch(`${server.url}${PATHS.threads}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title }),
      });
    expect((await post("short")).status).toBe(201);
    const refused = await post("x".repeat(100));
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ error: { code: "too_large" } });
    expect((await fetch(`${server.url}${PATHS.healthz}`)).status).toBe(200);
    expect((await server.stop("SIGTERM")).code).toBe(0);

    const requests = server.stdout
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "request");
    expect(requests.map((l) => [l.level, l.route, l.status, l.code])).toEqual([
      [30, "/v1/threads", 201, undefined],
      [30, "/v1/threads", 413, "too_large"],
      [20, "/healthz", 200, undefined],
    ]);
  });
});
