import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PATHS, ROUTES } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { brokerOf, jsonRequest, openApp } from "./support.js";

/** The value of one sample line of Prometheus text, e.g. `name{label="x"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("ROUTES (STYLE habit 7)", () => {
  it("every route pattern is its PATHS builder with the parameter filled in", () => {
    const fill = (pattern: string) =>
      pattern.replace(":threadId", "abc").replace(":messageId", "abc");
    expect(fill(ROUTES.thread)).toBe(PATHS.thread("abc"));
    expect(fill(ROUTES.fork)).toBe(PATHS.fork("abc"));
    expect(fill(ROUTES.threadMessages)).toBe(PATHS.threadMessages("abc"));
    expect(fill(ROUTES.messageStream)).toBe(PATHS.messageStream("abc"));
    expect(fill(ROUTES.events)).toBe(PATHS.events("abc"));
    expect(fill(ROUTES.resumeStream)).toBe(PATHS.resumeStream("abc"));
    expect(fill(ROUTES.message)).toBe(PATHS.message("abc"));
    expect([ROUTES.threads, ROUTES.healthz, ROUTES.metrics]).toEqual([
      PATHS.threads,
      PATHS.healthz,
      PATHS.metrics,
    ]);
  });
});

for (const backend of BACKENDS) {
  describe(`/healthz, /metrics and unknown routes [${backend.name}]`, () => {
    it("SPEC §3: GET /healthz → 200 {status: ok}", async () => {
      const { app } = await openApp(backend);
      const response = await app.request(PATHS.healthz);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok" });
    });

    it("SPEC §3: an unknown path → 404 with the error body", async () => {
      const { app } = await openApp(backend);
      const response = await app.request("/v2/nothing");
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: "not_found" } });
    });

    it("SPEC §3: an unexpected failure → 500 internal, without its details", async () => {
      const logged: unknown[] = [];
      const { app, threadline } = await openApp(backend, {
        app: { log: (error) => logged.push(error) },
      });
      threadline.threads.get = async () => {
        throw new Error("secret connection string postgres://user:pw@host");
      };
      const response = await app.request(PATHS.thread("t1"));
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: "internal", message: "internal server error" },
      });
      expect(text).not.toContain("secret");
      expect(logged).toHaveLength(1);
    });

    it("R12, R5: GET /metrics → Prometheus text with drops, commits, durations and the buffer gauge", async () => {
      const registry = new Registry();
      const { app, threadline } = await openApp(backend, { app: { registry } });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const writer = await threadline.writers.open("t1");
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "x" });
      const during = await (await app.request(PATHS.metrics)).text();
      expect(sample(during, "threadline_writer_buffered_messages")).toBe(1);
      await writer.finish();
      const response = await app.request(PATHS.metrics);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(registry.contentType);
      const text = await response.text();
      expect(sample(text, 'threadline_broker_dropped_events_total{delivery="lossy"}')).toBe(0);
      expect(sample(text, 'threadline_broker_dropped_events_total{delivery="reliable"}')).toBe(0);
      expect(sample(text, 'threadline_writer_commits_total{trigger="urgent"}')).toBeGreaterThan(0);
      expect(sample(text, "threadline_writer_message_writes_total")).toBeGreaterThan(0);
      expect(sample(text, "threadline_writer_commit_duration_seconds_count")).toBeGreaterThan(0);
      expect(sample(text, "threadline_writer_commit_errors_total")).toBe(0);
      expect(sample(text, "threadline_sweep_finalized_messages_total")).toBe(0);
      expect(sample(text, "threadline_writer_buffered_messages")).toBe(0);
    });

    it("R12: the drop counters follow threadline.stats; R6, R18: errors and sweeps are counted", async () => {
      const { app, threadline } = await openApp(backend);
      const broker = brokerOf(threadline);
      broker.lossyDrops = 3;
      broker.reliableDrops = 2;
      threadline.events.emit("writer:error", {
        error: new Error("down"),
        writes: 1,
        attempt: 1,
        retryInMs: 50,
      });
      threadline.events.emit("lifecycle:swept", { count: 4 });
      const text = await (await app.request(PATHS.metrics)).text();
      expect(sample(text, 'threadline_broker_dropped_events_total{delivery="lossy"}')).toBe(3);
      expect(sample(text, 'threadline_broker_dropped_events_total{delivery="reliable"}')).toBe(2);
      expect(sample(text, "threadline_writer_commit_errors_total")).toBe(1);
      expect(sample(text, "threadline_sweep_finalized_messages_total")).toBe(4);
    });
  });
}
