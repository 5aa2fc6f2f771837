/**
 * R33 over HTTP (issue 8 item 6): a workspace past its limits — an API key's workspace — is
 * answered 429 `rate_limited` with `Retry-After` (never a dropped connection, never a byte of SSE
 * first), `threadline/client` surfaces the same error (its subscribe waits and retries), another
 * key's workspace is served as usual, and `/metrics` counts the throttling per workspace.
 */
import { describe, expect, it, vi } from "vitest";
import { createClient } from "../../src/client/index.js";
import { parseApiKeys } from "../../src/http/auth.js";
import { openApp } from "../http/support.js";
import { BACKENDS } from "../support/backends.js";

const ACME = { authorization: "Bearer k-acme" };
const GLOBEX = { authorization: "Bearer k-globex" };

const UPLOAD = [
  { type: "start" },
  { type: "text-start", id: "t" },
  { type: "text-delta", id: "t", delta: "hi" },
  { type: "text-end", id: "t" },
  { type: "finish" },
]
  .map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`)
  .join("");

for (const backend of BACKENDS) {
  describe(`HTTP workspace limits [${backend.name}]`, () => {
    async function setUp() {
      const opened = await openApp(backend, {
        threadline: {
          workspaceLimits: {
            byWorkspace: {
              acme: { maxStreamingMessages: 1, maxSubscribers: 1, chunksPerSecond: 2 },
            },
          },
        },
        app: { apiKeys: parseApiKeys(["acme:k-acme", "globex:k-globex"]) },
      });
      const acme = opened.threadline.workspace("acme");
      const acmeThread = await acme.threads.create();
      const globex = opened.threadline.workspace("globex");
      const globexThread = await globex.threads.create();
      return { ...opened, acme, acmeThread, globexThread };
    }

    async function expect429(response: Response, limit: string) {
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({
        error: {
          code: "rate_limited",
          message: expect.stringContaining("workspace acme is at its limit"),
          details: {
            limit,
            max: expect.any(Number),
            workspaceId: "acme",
            retryAfterMs: expect.any(Number),
          },
        },
      });
    }

    it("a stream upload past the stream limit is 429 with Retry-After; another workspace's is not", async () => {
      const { app, acme, acmeThread, globexThread } = await setUp();
      await acme.writers.open(acmeThread.id); // the one slot
      const refused = await app.request(`/v1/threads/${acmeThread.id}/messages/stream`, {
        method: "POST",
        headers: { ...ACME, "content-type": "text/event-stream" },
        body: UPLOAD,
      });
      await expect429(refused, "streams");
      const served = await app.request(`/v1/threads/${globexThread.id}/messages/stream`, {
        method: "POST",
        headers: { ...GLOBEX, "content-type": "text/event-stream" },
        body: UPLOAD,
      });
      expect(served.status).toBe(200);
      expect((await served.json()).message.status).toBe("completed");
    });

    it("GET …/events and GET …/stream past the subscriber limit are 429 before any SSE byte", async () => {
      const { app, threadline, acme, acmeThread, globexThread } = await setUp();
      const held = acme.subscribe(acmeThread.id); // the one slot
      await acme.writers.open(acmeThread.id); // a streaming message, for the resume
      await expect429(
        await app.request(`/v1/threads/${acmeThread.id}/events`, { headers: ACME }),
        "subscribers",
      );
      await expect429(
        await app.request(`/v1/threads/${acmeThread.id}/stream`, { headers: ACME }),
        "subscribers",
      );
      held.close();
      const events = await app.request(`/v1/threads/${acmeThread.id}/events`, { headers: ACME });
      expect(events.status).toBe(200);
      expect(events.headers.get("content-type")).toContain("text/event-stream");
      await events.body?.cancel(); // the viewer leaves: its slot frees
      await vi.waitFor(() => expect(threadline.stats.subscribers).toBe(0));
      await new Promise((resolve) => setImmediate(resolve));
      const again = await app.request(`/v1/threads/${acmeThread.id}/events`, { headers: ACME });
      expect(again.status).toBe(200);
      await again.body?.cancel();
      const other = await app.request(`/v1/threads/${globexThread.id}/events`, { headers: GLOBEX });
      expect(other.status).toBe(200);
      await other.body?.cancel();
    });

    it("threadline/client's subscribe waits Retry-After on a 429 and subscribes once a slot frees; retryRateLimited: false throws", async () => {
      const { app, threadline, acme, acmeThread } = await setUp();
      const client = createClient({
        baseUrl: "http://threadline.test",
        apiKey: "k-acme",
        fetch: (input, init) => Promise.resolve(app.request(String(input), init)),
      });
      let refused = 0;
      threadline.events.on("workspace:refused", () => {
        refused += 1;
      });
      const held = acme.subscribe(acmeThread.id); // the one slot
      const strict = client.subscribe(acmeThread.id, { retryRateLimited: false });
      await expect(strict[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: "rate_limited",
        status: 429,
      });
      // The client's wait runs on faked timers: the test moves time past Retry-After itself.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        const patient = client.subscribe(acmeThread.id)[Symbol.asyncIterator]();
        const first = patient.next();
        await vi.waitFor(() => expect(refused).toBe(2)); // refused, now waiting Retry-After: 1
        held.close();
        await vi.advanceTimersByTimeAsync(999);
        expect(refused).toBe(2); // no retry before Retry-After
        await vi.advanceTimersByTimeAsync(1);
        const { value } = await first;
        expect(value).toMatchObject({ type: "snapshot", thread: { id: acmeThread.id } });
        expect(refused).toBe(2);
        await patient.return?.(undefined);
      } finally {
        vi.useRealTimers();
      }
    });

    it("complete messages past the chunk rate are 429 at once; the client throws the same error", async () => {
      const { app, acmeThread } = await setUp();
      const client = createClient({
        baseUrl: "http://threadline.test",
        apiKey: "k-acme",
        fetch: (input, init) => Promise.resolve(app.request(String(input), init)),
      });
      const user = { role: "user" as const, parts: [{ type: "text" as const, text: "hi" }] };
      await client.messages.append(acmeThread.id, user);
      await client.messages.append(acmeThread.id, user);
      await expect(client.messages.append(acmeThread.id, user)).rejects.toThrow(
        expect.objectContaining({
          name: "ThreadlineError",
          code: "rate_limited",
          status: 429,
          details: { limit: "chunks", max: 2, workspaceId: "acme", retryAfterMs: 500 },
        }),
      );
      const metrics = await (await app.request("/metrics")).text();
      expect(metrics).toContain(
        'threadline_workspace_throttled_total{workspace="acme",limit="chunks",outcome="refused"} 1',
      );
    });

    it("/metrics counts refusals and waits per workspace, and how long chunks waited", async () => {
      const { app, threadline, acme, acmeThread } = await setUp();
      await acme.writers.open(acmeThread.id);
      await expect(acme.writers.open(acmeThread.id)).rejects.toThrow(/limit of 1 streaming/);
      threadline.events.emit("workspace:waited", {
        workspaceId: "acme",
        limit: "chunks",
        waitMs: 250,
      });
      const metrics = await (await app.request("/metrics")).text();
      expect(metrics).toContain(
        'threadline_workspace_throttled_total{workspace="acme",limit="streams",outcome="refused"} 1',
      );
      expect(metrics).toContain(
        'threadline_workspace_throttled_total{workspace="acme",limit="chunks",outcome="waited"} 1',
      );
      expect(metrics).toContain(
        'threadline_workspace_throttle_wait_seconds_sum{workspace="acme"} 0.25',
      );
      expect(metrics).toContain(
        'threadline_workspace_throttle_wait_seconds_count{workspace="acme"} 1',
      );
    });
  });
}
