/**
 * Issue 8 item 4 on a real `threadline serve`: its stdout is pino JSON lines — the sweep at start
 * that finalized what a killed process left streaming (R31), the listening line, one line per
 * request (method, route pattern, status, ms, workspace, error code), the shutdown — and its
 * stderr stays empty while nothing fails.
 */
import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS, type Backend, openThreadline } from "../support/backends.js";
import { startServe } from "../support/serve-process.js";

function backendNamed(name: Backend["name"]): Backend {
  const backend = BACKENDS.find((b) => b.name === name);
  if (!backend) throw new Error(`no backend ${name}`);
  return backend;
}

const sqlite = backendNamed("sqlite");

const KEY = "sk-acme";

/** Every non-empty line of `text`, each parsed as JSON (throws on a line that is not). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A SQLite file holding message a1 of acme's thread t1, left `streaming` by a process that died. */
async function fileWithOrphan(): Promise<string> {
  const database = await sqlite.freshDatabase({ shared: true });
  const { threadline } = await openThreadline(sqlite, { database });
  const acme = threadline.workspace("acme");
  await acme.threads.create({ id: "t1" });
  const writer = await acme.writers.open("t1", { messageId: "a1" });
  await writer.write({ type: "text-start", id: "t" });
  await writer.write({ type: "text-delta", id: "t", delta: "partial" });
  await writer.flush();
  await threadline.store.close(); // kill -9: no close(), the message stays streaming
  return database;
}

describe("threadline serve logs (issue 8 item 4) [sqlite]", () => {
  it("stdout is JSON lines: the orphan finalized at start, the listening line, one line per request with route, status, ms, workspace and code, the shutdown; stderr stays empty", async () => {
    const database = await fileWithOrphan();
    const server = await startServe({
      database,
      args: ["--api-key", `acme:${KEY}`],
      env: { THREADLINE_LOG_LEVEL: "info" },
    });
    const auth = { authorization: `Bearer ${KEY}` };
    const message = await fetch(`${server.url}${PATHS.message("a1")}`, { headers: auth });
    expect(((await message.json()) as { message: { status: string } }).message.status).toBe(
      "aborted",
    );
    expect((await fetch(`${server.url}${PATHS.thread("nope")}`, { headers: auth })).status).toBe(
      404,
    );
    expect((await fetch(`${server.url}${PATHS.thread("t1")}`)).status).toBe(401);
    expect((await fetch(`${server.url}${PATHS.healthz}`)).status).toBe(200); // debug: not logged
    expect((await server.stop("SIGTERM")).code).toBe(0);

    const lines = jsonLines(server.stdout);
    for (const line of lines) {
      expect(line).toMatchObject({
        level: expect.any(Number),
        time: expect.any(Number),
        pid: server.pid,
        name: "threadline",
        msg: expect.any(String),
      });
    }
    const swept = lines.findIndex((l) => l.event === "lifecycle:swept");
    const listening = lines.findIndex((l) => l.url === server.url);
    expect(lines[swept]).toMatchObject({
      level: 30,
      count: 1,
      msg: expect.stringMatching(/1 message/),
    });
    expect(swept).toBeLessThan(listening); // finalized before the first request could come
    expect(lines[listening]).toMatchObject({ level: 30, database });

    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toEqual([
      expect.objectContaining({
        level: 30,
        method: "GET",
        route: "/v1/messages/:messageId",
        status: 200,
        ms: expect.any(Number),
        workspace: "acme",
      }),
      expect.objectContaining({
        level: 30,
        method: "GET",
        route: "/v1/threads/:threadId",
        status: 404,
        workspace: "acme",
        code: "not_found",
      }),
      expect.objectContaining({
        level: 30,
        method: "GET",
        route: "/v1/threads/:threadId",
        status: 401,
        code: "unauthorized",
      }),
    ]);
    expect(requests[0]).not.toHaveProperty("code");
    expect(requests[2]).not.toHaveProperty("workspace");
    expect(lines.at(-1)).toMatchObject({ level: 30, signal: "SIGTERM" });
    expect(server.stderr).toBe("");
  });
});
