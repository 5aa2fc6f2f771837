import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import { systemClock } from "../../src/clock.js";
import type { UIMessageChunk } from "../../src/message/index.js";
import { PATHS } from "../../src/protocol/http.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS } from "../support/backends.js";
import { textOf } from "../support/helpers.js";
import { brokerOf, feedableBody, listen, openApp, SseReader, waitFor } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

const user = (text: string) => ({
  role: "user" as const,
  parts: [{ type: "text" as const, text }],
});

/** Seqs (SSE ids) of events, as numbers. */
const ids = (events: Array<{ id?: string | undefined }>) => events.map((e) => Number(e.id));

/** The number of live subscribers of a thread (the broker is internal). */
function subscribers(threadline: Threadline, threadId: string): number {
  return brokerOf(threadline).subscriberCount("default", threadId);
}

/**
 * How the tests reach `GET …/events`: `app.request()` (the body's web stream), and a real socket
 * on `@hono/node-server` with `writeSseDirectly` (frames written to the Node response, as
 * `threadline serve` does).
 */
const TRANSPORTS = [
  { name: "app.request", socket: false, writeSseDirectly: false },
  { name: "a socket, frames written to the Node response", socket: true, writeSseDirectly: true },
] as const;

for (const backend of BACKENDS) {
  for (const transport of TRANSPORTS) {
    describe(`GET /v1/threads/:id/events [${backend.name}, ${transport.name}]`, () => {
      async function setup(options: Parameters<typeof openApp>[1] = {}) {
        const opened = await openApp(backend, {
          ...options,
          app: { ...options.app, writeSseDirectly: transport.writeSseDirectly },
        });
        await opened.threadline.threads.create({ id: "t1" });
        await opened.threadline.messages.append("t1", user("one")); // seq 2
        await opened.threadline.messages.append("t1", user("two")); // seq 3
        const baseUrl = transport.socket ? await listen(opened.app) : undefined;
        /** A request to the app, in process or over the socket. */
        const request = (path: string, init?: RequestInit): Promise<Response> =>
          baseUrl === undefined
            ? Promise.resolve(opened.app.request(path, init))
            : fetch(`${baseUrl}${path}`, init);
        return { ...opened, request };
      }

      it("R11: without an offset, a snapshot event first (id = seq), then live events", async () => {
        const { request, threadline } = await setup();
        const response = await request(PATHS.events("t1"));
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
        expect(response.headers.get("cache-control")).toBe("no-cache");
        const events = new SseReader(response.body);
        const snapshot = await events.next();
        expect(snapshot).toMatchObject({ event: "snapshot", id: "3" });
        const data = JSON.parse(snapshot?.data ?? "");
        expect(Object.keys(data).sort()).toEqual(["messages", "seq", "thread"]);
        expect(data.seq).toBe(3);
        expect(data.thread.id).toBe("t1");
        expect(data.messages.map(textOf)).toEqual(["one", "two"]);
        await threadline.messages.append("t1", user("three"));
        const live = await events.next();
        expect(live).toMatchObject({ event: "message.created", id: "4" });
        expect(JSON.parse(live?.data ?? "")).toMatchObject({ type: "message.created", seq: 4 });
        await events.cancel();
      });

      for (const [name, offset] of [
        ["?after=1", { path: `${PATHS.events("t1")}?after=1`, headers: {} }],
        ["Last-Event-ID: 1", { path: PATHS.events("t1"), headers: { "last-event-id": "1" } }],
        [
          "Last-Event-ID: 1 over a stale ?after=0 (the header wins)",
          { path: `${PATHS.events("t1")}?after=0`, headers: { "last-event-id": "1" } },
        ],
      ] as const) {
        it(`R11: with ${name}, the log from seq 2 then live, no snapshot`, async () => {
          const { request, threadline } = await setup();
          const response = await request(offset.path, { headers: offset.headers });
          expect(response.status).toBe(200);
          const events = new SseReader(response.body);
          const replayed = await events.take(2);
          expect(replayed.map((e) => e.event)).toEqual(["message.created", "message.created"]);
          expect(ids(replayed)).toEqual([2, 3]);
          await threadline.messages.append("t1", user("three"));
          expect(ids(await events.take(1))).toEqual([4]);
          await events.cancel();
        });
      }

      it("R11: after = the head replays nothing and waits for live events", async () => {
        const { request, threadline } = await setup();
        const events = new SseReader((await request(`${PATHS.events("t1")}?after=3`)).body);
        await threadline.messages.append("t1", user("three"));
        expect(await events.next()).toMatchObject({ event: "message.created", id: "4" });
        await events.cancel();
      });

      for (const [name, path, headers] of [
        ["?after=abc", `${PATHS.events("t1")}?after=abc`, {}],
        ["?after=-1", `${PATHS.events("t1")}?after=-1`, {}],
        ["?after=1.5", `${PATHS.events("t1")}?after=1.5`, {}],
        ["?after=1e2", `${PATHS.events("t1")}?after=1e2`, {}],
        ["an empty ?after=", `${PATHS.events("t1")}?after=`, {}],
        ["?after beyond the head", `${PATHS.events("t1")}?after=4`, {}],
        ["?after=2^60", `${PATHS.events("t1")}?after=1152921504606846976`, {}],
        ["Last-Event-ID: x", PATHS.events("t1"), { "last-event-id": "x" }],
        ["Last-Event-ID beyond the head", PATHS.events("t1"), { "last-event-id": "99" }],
        [
          "a valid header but a malformed ?after",
          `${PATHS.events("t1")}?after=x`,
          { "last-event-id": "1" },
        ],
      ] as const) {
        it(`R11: ${name} → 400 bad_offset before any event`, async () => {
          const { request } = await setup();
          const response = await request(path, { headers });
          expect(response.status).toBe(400);
          expect(response.headers.get("content-type")).toMatch(/json/);
          expect((await body(response)).error.code).toBe("bad_offset");
        });
      }

      it("SPEC §3: an unknown thread → 404", async () => {
        const { request } = await setup();
        const response = await request(PATHS.events("nope"));
        expect(response.status).toBe(404);
        expect((await body(response)).error.code).toBe("not_found");
      });

      it("SPEC §3: a heartbeat comment every heartbeatMs while idle", async () => {
        const { request } = await setup({ app: { heartbeatMs: 20 } });
        const events = new SseReader((await request(PATHS.events("t1"))).body);
        await events.next(); // snapshot
        expect(await events.nextComment()).toBe("keep-alive");
        expect(await events.nextComment()).toBe("keep-alive");
        await events.cancel();
      });

      it("R20: deleting the thread sends a final thread.deleted event and closes the stream", async () => {
        const { request, threadline } = await setup();
        const events = new SseReader((await request(PATHS.events("t1"))).body);
        await events.next(); // snapshot
        await request(PATHS.thread("t1"), { method: "DELETE" });
        const rest = await events.rest();
        expect(rest.map((e) => e.event)).toEqual(["thread.deleted"]);
        expect(events.ended).toBe(true);
        expect(subscribers(threadline, "t1")).toBe(0);
      });

      it("R12: a slow client does not delay a fast one, and still gets every event exactly once", async () => {
        const { request, threadline } = await setup({
          threadline: { clock: systemClock, windowMs: 2, queueCapacity: 4, reliableTimeoutMs: 5 },
        });
        const slow = await request(PATHS.events("t1")); // never read until the end
        const fast = new SseReader((await request(PATHS.events("t1"))).body);
        expect((await fast.next())?.event).toBe("snapshot");
        // Over a socket the kernel's buffers hold megabytes for a client that does not read (up to
        // 4 MB sent, more received): 16 MB of deltas fill them, so writes to the slow response
        // wait and its queue overflows.
        const padding = transport.socket ? "x".repeat(800_000) : "";
        const writer = await threadline.writers.open("t1", { messageId: "a1" });
        await writer.write({ type: "text-start", id: "0" });
        for (let i = 0; i < 20; i += 1) {
          // One window per delta, so each is its own (lossy) message.delta event (R3, R12).
          const before = (await threadline.threads.get("t1")).headSeq;
          await writer.write({ type: "text-delta", id: "0", delta: `${padding}${i} ` });
          await waitFor(async () => (await threadline.threads.get("t1")).headSeq > before);
        }
        await writer.write({ type: "text-end", id: "0" });
        await writer.finish();
        const fastEvents = [];
        for (;;) {
          const event = await fast.next();
          if (!event) break;
          fastEvents.push(event);
          if (event.event === "message.finished") break;
        }
        // The fast client has the whole message while the slow one has not read a byte.
        const head = (await threadline.threads.get("t1")).headSeq;
        expect(ids(fastEvents)).toEqual(Array.from({ length: head - 3 }, (_, i) => 4 + i));
        expect(threadline.stats.lossyDrops).toBeGreaterThan(0); // the slow queue overflowed
        const slowReader = new SseReader(slow.body);
        const slowEvents = [];
        for (;;) {
          const event = await slowReader.next();
          if (!event) break;
          slowEvents.push(event);
          if (event.event === "message.finished") break;
        }
        expect(slowEvents[0]?.event).toBe("snapshot");
        expect(ids(slowEvents.slice(1))).toEqual(ids(fastEvents)); // caught up from the log
        await fast.cancel();
        await slowReader.cancel();
      });

      it("R17: a client that goes away while its socket is full closes its subscription", async () => {
        const { request, threadline } = await setup();
        const viewer = new AbortController();
        const response = await request(PATHS.events("t1"), { signal: viewer.signal });
        expect(response.status).toBe(200); // never read: its socket fills up
        const writer = await threadline.writers.open("t1", { messageId: "a1" });
        await writer.write({ type: "text-start", id: "0" });
        for (let i = 0; i < 20; i += 1) {
          await writer.write({ type: "text-delta", id: "0", delta: "x".repeat(300_000) });
          await writer.flush();
        }
        expect(subscribers(threadline, "t1")).toBe(1);
        viewer.abort();
        await response.body?.cancel().catch(() => {});
        await waitFor(
          () => subscribers(threadline, "t1") === 0,
          5_000,
          "the subscription to close",
        );
        await writer.finish();
      });

      it("R17: a client that disconnects closes its subscription only", async () => {
        const { request, threadline } = await setup();
        const events = new SseReader((await request(PATHS.events("t1"))).body);
        await events.next();
        expect(subscribers(threadline, "t1")).toBe(1);
        await events.cancel();
        await waitFor(
          () => subscribers(threadline, "t1") === 0,
          5_000,
          "the subscription to close",
        );
      });
    });
  }

  describe(`events and uploads over a real socket [${backend.name}]`, () => {
    async function setup() {
      const opened = await openApp(backend, {
        threadline: { clock: systemClock, windowMs: 5 },
      });
      await opened.threadline.threads.create({ id: "t1" });
      const baseUrl = await listen(opened.app);
      return { ...opened, baseUrl };
    }

    it("R11, R13: reconnecting with Last-Event-ID gives exactly the events after it", async () => {
      const { threadline, baseUrl } = await setup();
      for (const text of ["a", "b", "c"]) await threadline.messages.append("t1", user(text));
      const first = new SseReader((await fetch(`${baseUrl}${PATHS.events("t1")}`)).body);
      expect(await first.next()).toMatchObject({ event: "snapshot", id: "4" });
      await threadline.messages.append("t1", user("d")); // seq 5
      expect(ids(await first.take(1))).toEqual([5]);
      await first.cancel(); // the connection drops after seq 5
      for (const text of ["e", "f"]) await threadline.messages.append("t1", user(text)); // 6, 7
      const resumed = new SseReader(
        (await fetch(`${baseUrl}${PATHS.events("t1")}`, { headers: { "last-event-id": "5" } }))
          .body,
      );
      const replayed = await resumed.take(2);
      expect(ids(replayed)).toEqual([6, 7]);
      expect(replayed.map((e) => JSON.parse(e.data).data.message.parts[0].text)).toEqual([
        "e",
        "f",
      ]);
      await threadline.messages.append("t1", user("g"));
      expect(ids(await resumed.take(1))).toEqual([8]);
      await resumed.cancel();
    });

    it("R16: an upload whose connection breaks mid-stream → the message is aborted with its partial text", async () => {
      const { threadline, baseUrl } = await setup();
      const { request } = await import("node:http");
      const url = new URL(`${baseUrl}${PATHS.messageStream("t1")}`);
      const upload = request(url, {
        method: "POST",
        headers: { "content-type": "text/event-stream", "transfer-encoding": "chunked" },
      });
      upload.on("error", () => {}); // the test breaks the connection on purpose
      const chunks = [
        { type: "start", messageId: "a1" },
        { type: "text-start", id: "0" },
        { type: "text-delta", id: "0", delta: "partial " },
        { type: "text-delta", id: "0", delta: "text" },
      ];
      for (const chunk of chunks) upload.write(`data: ${JSON.stringify(chunk)}\n\n`);
      await waitFor(async () => {
        const message = await threadline.messages.get("a1").catch(() => undefined);
        return message !== undefined && textOf(message) === "partial text";
      });
      upload.destroy(); // the producer's connection drops without a terminal chunk
      await waitFor(async () => (await threadline.messages.get("a1")).status === "aborted");
      const message = await threadline.messages.get("a1");
      expect(textOf(message)).toBe("partial text");
    });

    it("R17: a viewer disconnecting mid-stream never aborts the producer's upload", async () => {
      const { threadline, baseUrl } = await setup();
      const viewer = new AbortController();
      const events = new SseReader(
        (await fetch(`${baseUrl}${PATHS.events("t1")}`, { signal: viewer.signal })).body,
      );
      await events.next(); // snapshot
      const producer = feedableBody();
      const uploaded = fetch(`${baseUrl}${PATHS.messageStream("t1")}`, {
        method: "POST",
        headers: { "content-type": "application/x-ndjson" },
        body: producer.body,
        duplex: "half",
      } as RequestInit);
      const send = (chunk: UIMessageChunk) => producer.send(`${JSON.stringify(chunk)}\n`);
      send({ type: "start", messageId: "a1" });
      send({ type: "text-start", id: "0" });
      send({ type: "text-delta", id: "0", delta: "before " });
      const seen = await events.take(2);
      expect(seen.map((e) => e.event)).toEqual(["message.created", "message.delta"]);
      viewer.abort(); // the viewer goes away mid-stream
      await waitFor(() => subscribers(threadline, "t1") === 0, 5_000, "the viewer to be gone");
      send({ type: "text-delta", id: "0", delta: "after" });
      send({ type: "text-end", id: "0" });
      send({ type: "finish" });
      producer.end();
      const response = await uploaded;
      expect(response.status).toBe(200);
      const { message } = await body(response);
      expect(message.status).toBe("completed");
      expect(textOf(message)).toBe("before after");
    });

    it("SPEC §3: the Threadline client follows the stream (snapshot, then events)", async () => {
      const { threadline, baseUrl } = await setup();
      await threadline.messages.append("t1", user("hi"));
      const client = createClient({ baseUrl });
      const iterator = client.subscribe("t1")[Symbol.asyncIterator]();
      const snapshot = await iterator.next();
      expect(snapshot.value).toMatchObject({ type: "snapshot", seq: 2 });
      await threadline.threads.delete("t1");
      const last = await iterator.next();
      expect(last.value).toMatchObject({ type: "thread.deleted" });
      expect((await iterator.next()).done).toBe(true);
    });
  });
}
