/**
 * R23 with real processes: `threadline serve` children killed with SIGKILL or sharing a PostgreSQL
 * schema, and a webhook receiver in this process counting deliveries by Idempotency-Key. Real time
 * here: every wait polls for its condition within a generous bound.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { startServe } from "../support/serve-process.js";
import { temporaryDirectory } from "../support/temporary-directory.js";
import { runTexts, waitFor, webhookReceiver } from "./support.js";

const FIRE_BOUND_MS = 30_000;

async function post(url: string, path: string, body: unknown): Promise<Response> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return response;
}

const say = (text: string) => ({ role: "user", parts: [{ type: "text", text }] });

describe("run triggers across real processes", () => {
  it("R23: a server killed with SIGKILL inside the debounce window fires the run exactly once after restart", async () => {
    const hook = await webhookReceiver();
    const dir = await temporaryDirectory("threadline-kill-");
    const options = {
      database: `sqlite:${join(dir, "threadline.db")}`,
      args: ["--run-debounce-ms", "4000", "--run-webhook", hook.url],
    };
    const first = await startServe(options);
    await post(first.url, PATHS.threads, { id: "t1" });
    await post(first.url, PATHS.threadMessages("t1"), say("asked just before the crash"));
    await first.kill();
    expect(hook.calls).toHaveLength(0);

    const restarted = await startServe(options);
    await waitFor(() => hook.calls.length > 0, "the run webhook", FIRE_BOUND_MS);
    // A graceful stop ends all firing: whatever was going to be delivered has been.
    expect((await restarted.stop("SIGTERM")).code).toBe(0);
    expect(hook.calls).toHaveLength(1);
    const [call] = hook.calls;
    expect(call?.idempotencyKey).toBe(call?.body.triggerId);
    expect(call?.body.threadId).toBe("t1");
    expect(runTexts(call!.body)).toEqual(["asked just before the crash"]);
  }, 90_000);

  it("R23: SIGTERM inside the debounce window fires the pending run at once, before the server exits", async () => {
    const hook = await webhookReceiver();
    const dir = await temporaryDirectory("threadline-term-");
    const server = await startServe({
      database: `sqlite:${join(dir, "threadline.db")}`,
      args: ["--run-debounce-ms", "600000", "--run-webhook", hook.url],
    });
    await post(server.url, PATHS.threads, { id: "t1" });
    await post(server.url, PATHS.threadMessages("t1"), say("one"));
    await post(server.url, PATHS.threadMessages("t1"), say("two"));
    expect((await server.stop("SIGTERM")).code).toBe(0);
    expect(hook.calls).toHaveLength(1);
    expect(runTexts(hook.calls[0]!.body)).toEqual(["one", "two"]);
  }, 60_000);

  it("R23: two servers on one PostgreSQL schema fire each trigger exactly once", async () => {
    const hook = await webhookReceiver();
    const postgres = BACKENDS.find((b) => b.name === "postgres");
    const database = await postgres!.freshDatabase();
    const options = { database, args: ["--run-debounce-ms", "1500", "--run-webhook", hook.url] };
    const a = await startServe(options);
    const b = await startServe(options);
    const threads = ["t1", "t2", "t3", "t4", "t5", "t6"];
    for (const id of threads) await post(a.url, PATHS.threads, { id });
    await post(a.url, PATHS.threadMessages("t1"), say("t1 via a"));
    await post(a.url, PATHS.threadMessages("t2"), say("t2 via a"));
    await post(b.url, PATHS.threadMessages("t3"), say("t3 via b"));
    await post(b.url, PATHS.threadMessages("t4"), say("t4 via b"));
    for (const id of ["t5", "t6"]) {
      await post(a.url, PATHS.threadMessages(id), say(`${id} via a`));
      await post(b.url, PATHS.threadMessages(id), say(`${id} via b`));
    }
    const keys = () => new Set(hook.calls.map((c) => c.idempotencyKey));
    await waitFor(() => keys().size === threads.length, "a run per thread", FIRE_BOUND_MS);
    expect((await a.stop("SIGTERM")).code).toBe(0);
    expect((await b.stop("SIGTERM")).code).toBe(0);

    expect(hook.calls).toHaveLength(threads.length);
    const byThread = new Map(hook.calls.map((c) => [c.body.threadId, c]));
    expect([...byThread.keys()].sort()).toEqual(threads);
    for (const call of hook.calls) expect(call.idempotencyKey).toBe(call.body.triggerId);
    expect(runTexts(byThread.get("t5")!.body)).toEqual(["t5 via a", "t5 via b"]);
    expect(runTexts(byThread.get("t3")!.body)).toEqual(["t3 via b"]);
  }, 90_000);
});
