import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { PATHS, ROUTES } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { brokerOf, jsonRequest, openApp, SseReader, waitFor } from "./support.js";

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

    it("issue 8 item 5: a live stream and a viewer show in the gauges while they last, and at 0 after", async () => {
      // A window longer than the test: the delta stays buffered until the finish commits it.
      const { app, threadline, clock } = await openApp(backend, {
        threadline: { windowMs: 60_000 },
      });
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const scrape = async () => (await app.request(PATHS.metrics)).text();
      const idle = await scrape();
      for (const gauge of [
        "threadline_streaming_messages",
        "threadline_writer_buffered_bytes",
        "threadline_oldest_streaming_message_age_seconds",
        "threadline_broker_subscribers",
        "threadline_sse_connections",
      ]) {
        expect(sample(idle, gauge), gauge).toBe(0);
      }

      const viewer = new SseReader((await app.request(PATHS.events("t1"))).body);
      await viewer.next(); // the snapshot
      const writer = await threadline.writers.open("t1");
      await writer.write({ type: "text-start", id: "0" });
      await writer.write({ type: "text-delta", id: "0", delta: "hello" });
      clock.advance(2_500); // the message is 2.5 s old
      const during = await scrape();
      expect(sample(during, "threadline_streaming_messages")).toBe(1);
      expect(sample(during, "threadline_writer_buffered_bytes")).toBeGreaterThan(0);
      expect(sample(during, "threadline_oldest_streaming_message_age_seconds")).toBe(2.5);
      expect(sample(during, "threadline_broker_subscribers")).toBe(1);
      expect(sample(during, "threadline_sse_connections")).toBe(1);

      await writer.finish();
      await viewer.cancel();
      await waitFor(() => threadline.stats.subscribers === 0, 5_000, "the viewer to leave");
      const after = await scrape();
      for (const gauge of [
        "threadline_streaming_messages",
        "threadline_writer_buffered_bytes",
        "threadline_oldest_streaming_message_age_seconds",
        "threadline_broker_subscribers",
        "threadline_sse_connections",
      ]) {
        expect(sample(after, gauge), gauge).toBe(0);
      }
      // The tick batch size: every commit of this test wrote one message.
      const commits = sample(after, "threadline_writer_commit_writes_count") ?? 0;
      expect(commits).toBeGreaterThan(0);
      expect(sample(after, 'threadline_writer_commit_writes_bucket{le="1"}')).toBe(commits);
      expect(sample(after, "threadline_writer_commit_writes_sum")).toBe(commits);
      expect(sample(after, "threadline_writer_commit_duration_seconds_count")).toBe(commits);
    });

    it("issue 8 item 5: a resume stream counts as an SSE connection until its message ends", async () => {
      const { app, threadline } = await openApp(backend);
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const writer = await threadline.writers.open("t1");
      await writer.write({ type: "text-start", id: "0" });
      const resume = await app.request(PATHS.resumeStream("t1"));
      expect(resume.status).toBe(200);
      const reader = new SseReader(resume.body);
      const scrape = async () => (await app.request(PATHS.metrics)).text();
      expect(sample(await scrape(), "threadline_sse_connections")).toBe(1);
      await writer.finish();
      await reader.rest(); // up to its end
      expect(sample(await scrape(), "threadline_sse_connections")).toBe(0);
    });

    it("R30: a poisoned message is counted", async () => {
      const { app, threadline } = await openApp(backend);
      threadline.events.emit("writer:poisoned", {
        workspaceId: "default",
        messageId: "m1",
        error: new Error("refused"),
      });
      const text = await (await app.request(PATHS.metrics)).text();
      expect(sample(text, "threadline_writer_poisoned_messages_total")).toBe(1);
    });

    it(`R31: the heartbeat age of every node ${backend.name === "postgres" ? "is a gauge per node" : "has no sample on SQLite"}`, async () => {
      const { app, threadline, clock } = await openApp(backend, {
        threadline: { nodeId: "node-a" },
      });
      await threadline.nodes.idle();
      clock.advance(1_500); // less than a heartbeat interval (2 s): no new beat
      const text = await (await app.request(PATHS.metrics)).text();
      const series = 'threadline_node_heartbeat_age_seconds{node="node-a"}';
      if (backend.name === "postgres") {
        expect(sample(text, series)).toBe(1.5);
      } else {
        expect(text).not.toContain("threadline_node_heartbeat_age_seconds{");
      }
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
