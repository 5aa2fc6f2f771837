import { afterEach, describe, expect, it } from "vitest";
import { serverOptionsOf } from "../../src/cli/commands/serve.js";
import { type RunningServer, startServer } from "../../src/cli/start-server.js";
import { PATHS } from "../../src/protocol/http.js";
import {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CHUNK_BYTES,
  DEFAULT_MAX_MESSAGE_BYTES,
} from "../../src/protocol/limits.js";
import { parseServeFlags } from "../support/parse-serve.js";

/** Parses `threadline serve` flags without serving; returns the options `startServer` would get. */
function parseServe(args: string[]) {
  return serverOptionsOf(parseServeFlags(args));
}

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("threadline serve flags (SPEC §4)", () => {
  it("SPEC §3: the size limits default to 4 MiB per chunk, 64 MiB per message, 1 MiB per body", () => {
    expect(parseServe(["--api-key", "ws:key"]).limits).toEqual({
      maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
      maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    });
    expect(DEFAULT_MAX_CHUNK_BYTES).toBe(4 * 1024 * 1024);
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(64 * 1024 * 1024);
  });

  it("SPEC §3: --max-chunk-bytes, --max-message-bytes and --max-body-bytes set the limits", () => {
    const options = parseServe([
      "--api-key",
      "ws:key",
      "--max-chunk-bytes",
      "8388608",
      "--max-message-bytes",
      "1000000",
      "--max-body-bytes",
      "2048",
    ]);
    expect(options.limits).toEqual({
      maxChunkBytes: 8_388_608,
      maxMessageBytes: 1_000_000,
      maxBodyBytes: 2_048,
    });
  });

  for (const [flag, value] of [
    ["--max-chunk-bytes", "0"],
    ["--max-message-bytes", "-5"],
    ["--max-body-bytes", "1.5"],
    ["--max-chunk-bytes", "4MiB"],
  ] as const) {
    it(`SPEC §4: ${flag} ${value} is refused naming the flag`, () => {
      expect(() => parseServe(["--api-key", "ws:key", flag, value])).toThrow(
        expect.objectContaining({
          code: "commander.invalidArgument",
          message: expect.stringContaining(`${flag} must be a positive integer`),
        }),
      );
    });
  }

  it("SPEC §4: --port takes 0 (any free port) to 65 535", () => {
    expect(parseServe(["--port", "0"]).port).toBe(0);
    expect(parseServe(["--port", "65535"]).port).toBe(65_535);
    expect(parseServe([]).port).toBe(4_000);
  });

  for (const [value, reason] of [
    ["99999", "must be a port from 0 (any free port) to 65535"],
    ["65536", "must be a port from 0 (any free port) to 65535"],
    ["abc", "must be a non-negative integer"],
    ["-1", "must be a non-negative integer"],
    ["0x10", "must be a non-negative integer"],
    ["", "must be a non-negative integer"],
  ] as const) {
    it(`SPEC §4: --port ${JSON.stringify(value)} is refused naming the flag before anything is opened (99999 used to surface as Node's ERR_SOCKET_BAD_PORT after the database was opened, or a silent exit)`, () => {
      expect(() => parseServe(["--port", value])).toThrow(
        expect.objectContaining({
          code: "commander.invalidArgument",
          message: expect.stringContaining(`--port ${reason}`),
        }),
      );
    });
  }

  it("R32/R25: --resume-horizon-ms sets the compaction horizon (default 24 h), --thread-ttl a thread TTL (default none), --workspace-thread-ttl one per workspace", () => {
    const defaults = parseServe(["--api-key", "ws:key"]);
    expect(defaults.compaction).toEqual({ resumeHorizonMs: 86_400_000 });
    expect(defaults.retention).toBeUndefined();
    const set = parseServe([
      "--api-key",
      "ws:key",
      "--resume-horizon-ms",
      "0",
      "--thread-ttl",
      "90d",
    ]);
    expect(set.compaction).toEqual({ resumeHorizonMs: 0 });
    expect(set.retention).toEqual({ threadTtlMs: 90 * 86_400_000 });
    expect(
      parseServe([
        "--api-key",
        "ws:key",
        "--workspace-thread-ttl",
        "acme:365d;audit:never",
        "--workspace-thread-ttl",
        "beta:12h",
      ]).retention,
    ).toEqual({
      workspaceThreadTtlMs: { acme: 365 * 86_400_000, audit: null, beta: 12 * 3_600_000 },
    });
    for (const [value, message] of [
      ["acme", "--workspace-thread-ttl takes WORKSPACE:AGE"],
      [":90d", "--workspace-thread-ttl takes WORKSPACE:AGE"],
      ["acme:90", "--workspace-thread-ttl must be a positive duration"],
      ["acme:1d;acme:2d", "--workspace-thread-ttl repeats workspace acme"],
    ] as const) {
      expect(() => parseServe(["--api-key", "ws:key", "--workspace-thread-ttl", value])).toThrow(
        expect.objectContaining({
          code: "commander.invalidArgument",
          message: expect.stringContaining(message),
        }),
      );
    }
    expect(() => parseServe(["--api-key", "ws:key", "--thread-ttl", "90"])).toThrow(
      expect.objectContaining({
        code: "commander.invalidArgument",
        message: expect.stringContaining("--thread-ttl must be a positive duration"),
      }),
    );
  });

  it("SPEC §3: startServer gives the limits to the writers and to the HTTP app", async () => {
    server = await startServer({
      database: "sqlite::memory:",
      port: 0,
      limits: { maxChunkBytes: 200, maxMessageBytes: 5_000, maxBodyBytes: 100 },
    });
    expect(server.threadline.limits).toEqual({ maxChunkBytes: 200, maxMessageBytes: 5_000 });
    const response = await fetch(`${server.url}${PATHS.threads}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "t".repeat(200) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      error: { code: "too_large", details: { limitBytes: 100 } },
    });
  });

  it("SPEC §3: startServer refuses a bad HTTP limit", async () => {
    await expect(
      startServer({ database: "sqlite::memory:", port: 0, limits: { maxBodyBytes: 0 } }),
    ).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("limits.maxBodyBytes"),
    });
  });
});
