/**
 * Issue 8 item 4 in process: the request log of `createApp({ logger })`, unexpected errors with
 * their code, and lifecycle events through `logThreadlineEvents` — heard from the sweep at start
 * when the hub is passed to `createThreadline({ events })`. The real `serve` process is in
 * test/cli/serve-logs.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parseApiKeys } from "../../src/http/auth.js";
import { logThreadlineEvents } from "../../src/http/log-events.js";
import type { LogLevel, ThreadlineLogger } from "../../src/http/logger.js";
import { EventHub } from "../../src/observe.js";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { jsonRequest, openApp, SseReader } from "./support.js";

/** One captured line: its level, message and fields. */
type Line = { level: LogLevel; msg: string } & Record<string, unknown>;

/** A logger keeping its lines in memory. */
function captureLogger(): { logger: ThreadlineLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: LogLevel) => (fields: object, msg: string) => {
    lines.push({ ...fields, level, msg });
  };
  const logger: ThreadlineLogger = {
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
  return { logger, lines };
}

const KEY = "sk-acme";
const auth = { authorization: `Bearer ${KEY}` };

for (const backend of BACKENDS) {
  describe(`request log [${backend.name}]`, () => {
    it("one line per request: method, route pattern, status, ms, workspace, and the error code of an error answer", async () => {
      const { logger, lines } = captureLogger();
      const { app } = await openApp(backend, {
        app: { logger, apiKeys: parseApiKeys([`acme:${KEY}`]) },
      });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }, auth));
      await app.request(PATHS.thread("t1"), { headers: auth });
      await app.request(PATHS.thread("nope"), { headers: auth });
      await app.request(PATHS.thread("t1")); // no key
      await app.request("/v2/nothing");
      await app.request(PATHS.healthz);

      const requests = lines.filter((l) => l.msg === "request");
      expect(requests).toEqual([
        {
          level: "info",
          msg: "request",
          method: "POST",
          route: "/v1/threads",
          status: 201,
          ms: expect.any(Number),
          workspace: "acme",
        },
        {
          level: "info",
          msg: "request",
          method: "GET",
          route: "/v1/threads/:threadId",
          status: 200,
          ms: expect.any(Number),
          workspace: "acme",
        },
        {
          level: "info",
          msg: "request",
          method: "GET",
          route: "/v1/threads/:threadId",
          status: 404,
          ms: expect.any(Number),
          workspace: "acme",
          code: "not_found",
        },
        {
          level: "info",
          msg: "request",
          method: "GET",
          route: "/v1/threads/:threadId",
          status: 401,
          ms: expect.any(Number),
          code: "unauthorized",
        },
        {
          level: "info",
          msg: "request",
          method: "GET",
          route: null,
          status: 404,
          ms: expect.any(Number),
          code: "not_found",
        },
        {
          level: "debug",
          msg: "request",
          method: "GET",
          route: "/healthz",
          status: 200,
          ms: expect.any(Number),
        },
      ]);
      for (const line of requests) expect(line.ms as number).toBeGreaterThanOrEqual(0);
    });

    it("an SSE request is logged once, when its response begins, not per event", async () => {
      const { logger, lines } = captureLogger();
      const { app } = await openApp(backend, { app: { logger } });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const viewer = new SseReader((await app.request(PATHS.events("t1"))).body);
      await viewer.next(); // the snapshot
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t2" }));
      await viewer.cancel();
      expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
        ["POST", "/v1/threads", 201],
        ["GET", "/v1/threads/:threadId/events", 200],
        ["POST", "/v1/threads", 201],
      ]);
    });

    it("an unexpected failure: its request line at error with code internal, and the error itself with its code", async () => {
      const { logger, lines } = captureLogger();
      const { app, threadline } = await openApp(backend, { app: { logger, log: undefined } });
      const failure = new Error("disk on fire");
      threadline.threads.get = async () => {
        throw failure;
      };
      expect((await app.request(PATHS.thread("t1"))).status).toBe(500);
      expect(lines).toEqual([
        {
          level: "error",
          msg: "unexpected error",
          err: failure,
          code: "internal",
          method: "GET",
          path: "/v1/threads/t1",
        },
        {
          level: "error",
          msg: "request",
          method: "GET",
          route: "/v1/threads/:threadId",
          status: 500,
          ms: expect.any(Number),
          workspace: "default",
          code: "internal",
        },
      ]);
    });
  });

  describe(`lifecycle events as log lines [${backend.name}]`, () => {
    it("R31: a hub passed to createThreadline hears what the start finalized", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const crashed = await openThreadline(backend, { database, nodeId: "node-a" });
      await crashed.threadline.threads.create({ id: "t1" });
      const writer = await crashed.threadline.writers.open("t1", { messageId: "a1" });
      await writer.write({ type: "text-start", id: "t" });
      await writer.flush();
      await crashed.threadline.store.close(); // killed: its message is left streaming

      const { logger, lines } = captureLogger();
      const events = new EventHub();
      logThreadlineEvents(events, logger);
      await openThreadline(backend, { database, nodeId: "node-a", events });
      const expected =
        backend.name === "sqlite"
          ? { event: "lifecycle:swept", count: 1 }
          : { event: "lifecycle:node-restarted", nodeId: "node-a", count: 1 };
      expect(lines.filter((l) => l.level !== "debug")).toEqual([
        expect.objectContaining({
          level: "info",
          msg: expect.stringContaining("1 message(s)"),
          ...expected,
        }),
      ]);
    });
  });
}

describe("lifecycle event levels", () => {
  it("retries warn, poisoned messages and abandoned runs are errors, commits and lossy drops only debug; each line names its event", () => {
    const { logger, lines } = captureLogger();
    const events = new EventHub();
    const stop = logThreadlineEvents(events, logger);
    const error = Object.assign(new Error("connection terminated"), { code: "57P01" });
    events.emit("writer:commit", {
      writes: 3,
      events: 3,
      startedAt: 0,
      durationMs: 2,
      urgent: false,
    });
    events.emit("writer:error", { error, writes: 3, attempt: 1, retryInMs: 50 });
    events.emit("writer:poisoned", { workspaceId: "w", messageId: "m1", error });
    events.emit("broker:drop", { delivery: "lossy", workspaceId: "w", threadId: "t", seq: 4 });
    events.emit("broker:drop", { delivery: "reliable", workspaceId: "w", threadId: "t", seq: 5 });
    events.emit("lifecycle:node-lost", { nodeId: "n2", count: 2, silentMs: 9_000 });
    events.emit("lifecycle:listen-lost", { error });
    events.emit("lifecycle:listen-restored", { gapMs: 1_200 });
    const run = { workspaceId: "w", threadId: "t", triggerId: "r1", attempt: 5, error };
    events.emit("run:failed", { ...run, retryInMs: 1_000 });
    events.emit("run:failed", { ...run, retryInMs: null });
    stop();
    events.emit("lifecycle:swept", { count: 1 }); // after stop: not logged

    expect(lines.map((l) => [l.event, l.level])).toEqual([
      ["writer:commit", "debug"],
      ["writer:error", "warn"],
      ["writer:poisoned", "error"],
      ["broker:drop", "debug"],
      ["broker:drop", "info"],
      ["lifecycle:node-lost", "warn"],
      ["lifecycle:listen-lost", "warn"],
      ["lifecycle:listen-restored", "info"],
      ["run:failed", "warn"],
      ["run:failed", "error"],
    ]);
    expect(lines[1]).toMatchObject({ err: error, attempt: 1, retryInMs: 50, writes: 3 });
    expect(lines[2]).toMatchObject({ err: error, workspaceId: "w", messageId: "m1" });
    expect(lines[2]).not.toHaveProperty("error");
  });
});
