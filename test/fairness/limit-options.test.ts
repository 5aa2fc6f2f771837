/**
 * R33 (issue 8 item 6): the `workspaceLimits` option and the `threadline serve` limit flags — what
 * they accept, what they refuse (naming the field or flag), and how a workspace's own limits fall
 * back on the default field by field.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { serveCommand, serverOptionsOf } from "../../src/cli/commands/serve.js";
import { parseLimitsSpec, parseWorkspaceLimitsSpecs } from "../../src/fairness/limit-spec.js";
import { resolveWorkspaceLimits } from "../../src/fairness/workspace-limits.js";
import { createThreadline } from "../../src/threadline.js";
import { parseServeFlags } from "../support/parse-serve.js";

const INF = Number.POSITIVE_INFINITY;

describe("workspaceLimits option (R33)", () => {
  it("is unlimited by default, and a workspace's own fields override the default's one by one", () => {
    expect(resolveWorkspaceLimits(undefined).none).toBe(true);
    expect(resolveWorkspaceLimits({}).of("acme")).toEqual({
      maxStreamingMessages: INF,
      chunksPerSecond: INF,
      bytesPerSecond: INF,
      maxSubscribers: INF,
    });
    const limits = resolveWorkspaceLimits({
      default: { maxStreamingMessages: 5, chunksPerSecond: 100 },
      byWorkspace: { acme: { chunksPerSecond: INF, maxSubscribers: 3 } },
    });
    expect(limits.none).toBe(false);
    expect(limits.of("acme")).toEqual({
      maxStreamingMessages: 5,
      chunksPerSecond: INF,
      bytesPerSecond: INF,
      maxSubscribers: 3,
    });
    expect(limits.of("globex")).toMatchObject({ maxStreamingMessages: 5, chunksPerSecond: 100 });
  });

  it.each([
    [{ default: { maxStreamingMessages: 0 } }, "workspaceLimits.default.maxStreamingMessages"],
    [{ default: { chunksPerSecond: 1.5 } }, "workspaceLimits.default.chunksPerSecond"],
    [
      { default: { bytesPerSecond: "1mb" } },
      'workspaceLimits.default.bytesPerSecond must be a positive integer or Infinity, got "1mb"',
    ],
    [{ default: { maxSubscribers: -1 } }, "workspaceLimits.default.maxSubscribers"],
    [{ default: { streams: 5 } }, "workspaceLimits.default.streams is not a limit"],
    [
      { byWorkspace: { acme: { maxSubscribers: Number.NaN } } },
      "workspaceLimits.byWorkspace.acme.maxSubscribers",
    ],
    [{ byWorkspace: { "": {} } }, "workspaceLimits.byWorkspace has an empty id"],
    [{ byWorkspace: [] }, "workspaceLimits.byWorkspace must be an object"],
    [{ perWorkspace: {} }, "workspaceLimits.perWorkspace is not an option"],
  ])(
    "createThreadline refuses %j with bad_request naming the field",
    async (workspaceLimits, message) => {
      await expect(
        // biome-ignore lint/suspicious/noExplicitAny: nonsense on purpose
        createThreadline({ database: "sqlite::memory:", workspaceLimits: workspaceLimits as any }),
      ).rejects.toThrow(
        expect.objectContaining({ code: "bad_request", message: expect.stringContaining(message) }),
      );
    },
  );
});

describe("limit specs (R33)", () => {
  it("parse names, values, byte units and unlimited", () => {
    expect(parseLimitsSpec("streams=20, chunks=2000,bytes=1mb,subscribers=100", "--f")).toEqual({
      maxStreamingMessages: 20,
      chunksPerSecond: 2000,
      bytesPerSecond: 1_000_000,
      maxSubscribers: 100,
    });
    expect(parseLimitsSpec("BYTES=64KiB,chunks=unlimited", "--f")).toEqual({
      bytesPerSecond: 65_536,
      chunksPerSecond: INF,
    });
    expect(
      parseWorkspaceLimitsSpecs(
        ["acme:streams=2;globex:subscribers=1", " initech : bytes=10"],
        "--f",
      ),
    ).toEqual({
      acme: { maxStreamingMessages: 2 },
      globex: { maxSubscribers: 1 },
      initech: { bytesPerSecond: 10 },
    });
  });

  it.each([
    ["streams=0", 'streams must be a positive integer or "unlimited", got "0"'],
    ["streams=2mb", 'streams must be a positive integer or "unlimited", got "2mb"'],
    ["bytes=1tb", "bytes must be a positive integer (units: kb, mb, gb, kib, mib, gib)"],
    ["chunks=1.5", "chunks must be a positive integer"],
    [
      "streamz=1",
      '"streamz=1" is not NAME=VALUE with NAME one of streams, chunks, bytes, subscribers',
    ],
    ["streams", '"streams" is not NAME=VALUE'],
    ["streams=1,streams=2", "streams is given twice"],
    ["", "names no limit"],
  ])("refuse %j naming the flag and the problem", (spec, problem) => {
    expect(() => parseLimitsSpec(spec, "--default-workspace-limits")).toThrow(
      `--default-workspace-limits ${JSON.stringify(spec)}: ${problem}`,
    );
  });

  it.each([
    ["streams=1", "must have the form WORKSPACE:NAME=VALUE"],
    [":streams=1", "has an empty workspace"],
    ["acme:streams=1;acme:chunks=2", "repeats workspace acme"],
    ["acme:streams=x", 'streams must be a positive integer or "unlimited", got "x"'],
  ])("refuse the workspace spec %j", (spec, problem) => {
    expect(() => parseWorkspaceLimitsSpecs([spec], "--workspace-limits")).toThrow(problem);
  });
});

describe("threadline serve limit flags (R33)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("become createThreadline's workspaceLimits; none given, none set", () => {
    const parsed = parseServeFlags([
      "--default-workspace-limits",
      "streams=20,chunks=2000,bytes=1mb,subscribers=100",
      "--workspace-limits",
      "acme:streams=50,chunks=unlimited",
      "--workspace-limits",
      "globex:subscribers=5;initech:bytes=2kib",
    ]);
    expect(serverOptionsOf(parsed).workspaceLimits).toEqual({
      default: {
        maxStreamingMessages: 20,
        chunksPerSecond: 2000,
        bytesPerSecond: 1_000_000,
        maxSubscribers: 100,
      },
      byWorkspace: {
        acme: { maxStreamingMessages: 50, chunksPerSecond: INF },
        globex: { maxSubscribers: 5 },
        initech: { bytesPerSecond: 2048 },
      },
    });
    expect(serverOptionsOf(parseServeFlags([])).workspaceLimits).toBeUndefined();
  });

  it("are read from THREADLINE_DEFAULT_WORKSPACE_LIMITS and THREADLINE_WORKSPACE_LIMITS (; between workspaces)", () => {
    vi.stubEnv("THREADLINE_DEFAULT_WORKSPACE_LIMITS", "streams=3");
    vi.stubEnv("THREADLINE_WORKSPACE_LIMITS", "acme:streams=9;globex:chunks=10");
    expect(serverOptionsOf(parseServeFlags([])).workspaceLimits).toEqual({
      default: { maxStreamingMessages: 3 },
      byWorkspace: { acme: { maxStreamingMessages: 9 }, globex: { chunksPerSecond: 10 } },
    });
  });

  it.each([
    [
      ["--default-workspace-limits", "streams=0"],
      '--default-workspace-limits "streams=0": streams must be a positive integer',
    ],
    [["--workspace-limits", "acme"], "must have the form WORKSPACE:NAME=VALUE"],
    [
      ["--workspace-limits", "acme:streams=1", "--workspace-limits", "acme:chunks=1"],
      "--workspace-limits repeats workspace acme",
    ],
  ])("refuse %j with commander's invalid-argument error", (args, message) => {
    expect(() => parseServeFlags(args)).toThrow(
      expect.objectContaining({
        code: "commander.invalidArgument",
        message: expect.stringContaining(message),
      }),
    );
  });

  it("are listed in --help with their variables", () => {
    const help = serveCommand().helpInformation();
    expect(help).toContain("--default-workspace-limits <limits>");
    expect(help).toContain("THREADLINE_DEFAULT_WORKSPACE_LIMITS");
    expect(help).toContain("--workspace-limits <workspace:limits>");
    expect(help).toContain("THREADLINE_WORKSPACE_LIMITS");
  });
});
