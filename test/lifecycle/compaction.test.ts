/**
 * Log compaction (R32, issue 8 item 1): finished messages' `message.delta` events go once the
 * resume horizon has passed, in bounded steps; everything else stays, reads and snapshots are
 * unchanged, a resume from inside a compacted range gets a fresh snapshot (documented answer),
 * forks of compacted history work, and compaction racing a subscriber or a resume keeps every
 * message exactly once.
 */
import { describe, expect, it } from "vitest";
import { createClient } from "../../src/client/index.js";
import type { ThreadEvent } from "../../src/protocol/events.js";
import { PATHS } from "../../src/protocol/http.js";
import { applyThreadEvent, createThreadView } from "../../src/protocol/thread-view.js";
import { PARTS_IN_LOG } from "../../src/store/schema.js";
import type { Store } from "../../src/store/store.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import type { Threadline } from "../../src/threadline.js";
import { listen, openApp, SseReader } from "../http/support.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { drive, gate, logOf, take, textOf } from "../support/helpers.js";
import { databaseOf } from "../support/inspect-store.js";

const HORIZON_MS = 60_000;

const user = (text: string) => ({
  role: "user" as const,
  parts: [{ type: "text" as const, text }],
});

/** Streams an assistant reply of `pieces`, one committed `message.delta` per piece (windowMs 0). */
async function reply(threadline: Threadline, threadId: string, id: string, pieces: string[]) {
  const writer = await threadline.writers.open(threadId, { messageId: id });
  await writer.write({ type: "text-start", id: "t" });
  for (const delta of pieces) await writer.write({ type: "text-delta", id: "t", delta });
  await writer.write({ type: "text-end", id: "t" });
  await writer.finish();
}

/** A thread: user "q1" (seq 2), reply a1 (created 3, 7 deltas 4–10, finished 11), user "q2" (12). */
async function conversation(threadline: Threadline): Promise<string> {
  const thread = await threadline.threads.create({ id: "t1" });
  await threadline.messages.append(thread.id, user("q1"));
  await reply(threadline, thread.id, "a1", ["Hel", "lo ", "the", "re", "!"]);
  await threadline.messages.append(thread.id, user("q2"));
  return thread.id;
}

/** The view an app keeps: every snapshot replaces it, every event applies to it (R13). */
function viewOf(items: readonly SubscriptionItem[], from = createThreadView(0, [])) {
  let view = from;
  for (const item of items) {
    view =
      item.type === "snapshot"
        ? createThreadView(item.seq, item.messages)
        : applyThreadEvent(view, item);
  }
  return view;
}

/** A store whose method `name` waits for `opened` before running (a race a test orders). */
function gated<K extends keyof Store>(store: Store, name: K, opened: Promise<void>): Store {
  const original = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store);
  (store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    await opened;
    return original(...args);
  };
  return store;
}

/** Lets pending I/O callbacks run (the subscription reaches its gated read). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

for (const backend of BACKENDS) {
  describe(`log compaction [${backend.name}]`, () => {
    async function open(options: { batchRows?: number; queueCapacity?: number } = {}) {
      return openThreadline(backend, {
        windowMs: 0,
        // The clock jumps past the horizon with writers still open: no crash sweep may race their
        // lease renewal meanwhile (it would end them aborted on such a jump).
        sweepIntervalMs: 2 ** 31 - 1,
        compaction: { resumeHorizonMs: HORIZON_MS, batchRows: options.batchRows ?? 1_000 },
        ...(options.queueCapacity === undefined
          ? {}
          : { queueCapacity: options.queueCapacity, reliableTimeoutMs: 10 }),
      });
    }

    it("R32: deltas stay until the horizon has passed, then go in bounded steps; every other event stays", async () => {
      const { threadline, clock } = await open({ batchRows: 3 });
      const steps: number[] = [];
      threadline.events.on("lifecycle:compacted", (step) => steps.push(step.rows));
      const threadId = await conversation(threadline);
      const streaming = await threadline.writers.open(threadId, { messageId: "a2" });
      await streaming.write({ type: "text-start", id: "t" });
      await streaming.write({ type: "text-delta", id: "t", delta: "still going" });
      const before = await logOf(threadline.store, "default", threadId);
      const deltasOfA1 = before.filter((e) => e.type === "message.delta" && e.messageId === "a1");
      expect(deltasOfA1.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8, 9, 10]);

      clock.advance(HORIZON_MS - 1); // a1 finished HORIZON_MS - 1 ago: still resumable
      expect(await threadline.log.compact()).toEqual({
        steps: 0,
        rows: 0,
        messages: 0,
        threads: 0,
      });
      expect(await logOf(threadline.store, "default", threadId)).toEqual(before);

      clock.advance(2);
      const report = await threadline.log.compact();
      expect(report).toMatchObject({ rows: 7, threads: 1 });
      expect(steps).toEqual([3, 3, 1]); // at most batchRows per transaction
      const after = await logOf(threadline.store, "default", threadId);
      expect(after).toEqual(before.filter((e) => !deltasOfA1.includes(e)));
      // The streaming message a2 keeps its deltas; q1, q2 and a1's created/finished stay.
      expect(after.filter((e) => e.messageId === "a2").map((e) => e.type)).toEqual([
        "message.created",
        "message.delta",
        "message.delta",
      ]);
      expect(await threadline.store.getLogBounds("default", threadId)).toEqual({
        headSeq: before.at(-1)?.seq,
        compactedSeq: 10,
      });
      expect(await threadline.log.compact()).toMatchObject({ rows: 0 });
      await streaming.finish();
    });

    it("R32: messages.get / list and the snapshot are the same before and after compaction", async () => {
      const { threadline, clock } = await open();
      const threadId = await conversation(threadline);
      const readAll = async () => ({
        message: await threadline.messages.get("a1"),
        list: await threadline.messages.list(threadId),
        snapshot: (await take(threadline.subscribe(threadId)[Symbol.asyncIterator](), 1))[0],
        history: await threadline.chat.history(threadId),
      });
      const before = await readAll();
      clock.advance(HORIZON_MS + 1);
      expect((await threadline.log.compact()).rows).toBe(7);
      expect(await readAll()).toEqual(before);
      expect(textOf(before.message)).toBe("Hello there!");
      // A stream resume of a finished message is unaffected: nothing streams (204).
      expect(await threadline.chat.resume(threadId)).toBeNull();
    });

    it("R11/R32: a resume from inside a compacted range gets a fresh snapshot at the current seq; from outside, the log as before", async () => {
      const { threadline, clock } = await open();
      const threadId = await conversation(threadline);
      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact(); // compacted seq 10, head 12
      const expected = (await threadline.messages.list(threadId)).messages;

      for (const after of [0, 3, 9]) {
        const iterator = threadline.subscribe(threadId, { after })[Symbol.asyncIterator]();
        const [first] = await take(iterator, 1);
        expect(first).toMatchObject({ type: "snapshot", seq: 12 });
        await iterator.return?.();
      }
      const iterator = threadline.subscribe(threadId, { after: 3 })[Symbol.asyncIterator]();
      const items = await take(iterator, 1);
      await threadline.messages.append(threadId, user("q3"));
      items.push(...(await take(iterator, 1)));
      expect(items.map((i) => [i.type, i.seq])).toEqual([
        ["snapshot", 12],
        ["message.created", 13],
      ]);
      const view = viewOf(items);
      expect(view.messages.map((m) => m.id)).toEqual([
        ...expected.map((m) => m.id),
        expect.any(String),
      ]);
      expect(view.messages.slice(0, 3)).toEqual(expected); // every message once, none twice
      await iterator.return?.();

      // At or past the compacted seq nothing is missing: the log is replayed, no snapshot.
      const outside = threadline.subscribe(threadId, { after: 10 })[Symbol.asyncIterator]();
      expect((await take(outside, 3)).map((i) => [i.type, i.seq])).toEqual([
        ["message.finished", 11],
        ["message.created", 12],
        ["message.created", 13],
      ]);
      await outside.return?.();
    });

    it("issue 8 item 3, R32: a compacted message's final text is stored once, deflated; reads, snapshots, forks and deletes are unchanged", async () => {
      const { threadline, clock } = await open();
      const threadId = await conversation(threadline);
      const long = "The quick brown fox jumps over the lazy dog. ".repeat(30);
      await threadline.messages.append(threadId, { ...user(long), metadata: { source: "mail" } });
      const writer = await threadline.writers.open(threadId, { messageId: "a2" });
      await writer.write({ type: "message-metadata", messageMetadata: { model: "m-1" } });
      await writer.write({ type: "text-start", id: "t" });
      for (const word of long.split(" "))
        await writer.write({ type: "text-delta", id: "t", delta: `${word} ` });
      await writer.write({ type: "text-end", id: "t" });
      await writer.finish();
      const content = (m: {
        role: string;
        parts: unknown;
        status: string;
        metadata?: unknown;
      }) => ({
        role: m.role,
        parts: m.parts,
        status: m.status,
        metadata: m.metadata,
      });
      const before = await threadline.messages.list(threadId);
      const forkBefore = await threadline.threads.fork(threadId);
      const forkedBefore = (await threadline.messages.list(forkBefore.id)).messages.map(content);

      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact();
      const db = databaseOf(threadline.store);
      const bodies = await db
        .selectFrom("message_bodies")
        .select(["message_id", "parts", "metadata"])
        .where("message_id", "in", ["a1", "a2"])
        .orderBy("message_id")
        .execute();
      expect(bodies).toEqual([
        { message_id: "a1", parts: PARTS_IN_LOG, metadata: null },
        { message_id: "a2", parts: PARTS_IN_LOG, metadata: null },
      ]);
      const stored = await db
        .selectFrom("events")
        .select(["type", "message_id", "payload", "payload_deflated"])
        .where("thread_id", "=", threadId)
        .where("type", "in", ["message.created", "message.finished"])
        .orderBy("seq")
        .execute();
      // Only the long payloads are deflated: a1's and q1's are short.
      expect(stored.map((e) => [e.type, e.payload === "", e.payload_deflated !== null])).toEqual([
        ["message.created", false, false], // q1
        ["message.created", false, false], // a1
        ["message.finished", false, false], // a1: "Hello there!"
        ["message.created", false, false], // q2
        ["message.created", true, true], // the long user message, appended complete
        ["message.created", false, false], // a2
        ["message.finished", true, true], // a2's final text
      ]);

      expect(await threadline.messages.list(threadId)).toEqual(before);
      const [snapshot] = await take(threadline.subscribe(threadId)[Symbol.asyncIterator](), 1);
      expect(snapshot).toMatchObject({ type: "snapshot", messages: before.messages });
      const finished = (await logOf(threadline.store, "default", threadId)).at(-1);
      expect(finished?.type === "message.finished" && finished.data.message).toMatchObject(
        content(before.messages.at(-1) as (typeof before.messages)[0]),
      );
      const forkAfter = await threadline.threads.fork(threadId);
      expect((await threadline.messages.list(forkAfter.id)).messages.map(content)).toEqual(
        forkedBefore,
      );
      await threadline.messages.delete("a2");
      expect((await threadline.messages.list(threadId)).messages.map((m) => m.id)).toEqual(
        before.messages.slice(0, -1).map((m) => m.id),
      );
    });

    it("R19/R32: forks of compacted history equal the source; a fork inside a compacted stream is refused", async () => {
      const { threadline, clock } = await open();
      const threadId = await conversation(threadline);
      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact();
      const source = (await threadline.messages.list(threadId)).messages;
      const content = (m: { role: string; parts: unknown; status: string }) => ({
        role: m.role,
        parts: m.parts,
        status: m.status,
      });

      const whole = await threadline.threads.fork(threadId);
      expect((await threadline.messages.list(whole.id)).messages.map(content)).toEqual(
        source.map(content),
      );
      const atReply = await threadline.threads.fork(threadId, { atMessageId: "a1" });
      expect((await threadline.messages.list(atReply.id)).messages.map(textOf)).toEqual([
        "q1",
        "Hello there!",
      ]);
      // At a1's creation it had no delta yet: that state is intact, copied `aborted` and empty.
      const atStart = await threadline.threads.fork(threadId, { atSeq: 3 });
      expect((await threadline.messages.list(atStart.id)).messages.map(content)).toEqual([
        content(source[0] as (typeof source)[0]),
        { role: "assistant", parts: [], status: "aborted" },
      ]);
      // Mid-stream, its state is gone with its deltas.
      for (const atSeq of [4, 7, 10]) {
        await expect(threadline.threads.fork(threadId, { atSeq })).rejects.toMatchObject({
          code: "compacted",
          status: 410,
          details: { messageId: "a1", atSeq },
        });
      }
      expect((await threadline.messages.list(threadId)).messages).toEqual(source); // untouched
    });

    it("R32: halfway through a message's compaction (one bounded step done), a fork inside it is refused and a resume gets a snapshot", async () => {
      const { threadline, clock } = await open();
      const threadId = await conversation(threadline);
      clock.advance(HORIZON_MS + 1);
      const step = await threadline.store.compactDeltas(clock.now() - HORIZON_MS, clock.now(), 3);
      expect(step).toMatchObject({ rows: 3, highestSeq: 6 }); // 4–6 gone, 7–10 left
      for (const atSeq of [5, 9]) {
        await expect(threadline.threads.fork(threadId, { atSeq })).rejects.toMatchObject({
          code: "compacted",
        });
      }
      const iterator = threadline.subscribe(threadId, { after: 5 })[Symbol.asyncIterator]();
      expect(await take(iterator, 1)).toMatchObject([{ type: "snapshot", seq: 12 }]);
      await iterator.return?.();
      const outside = threadline.subscribe(threadId, { after: 6 })[Symbol.asyncIterator]();
      expect((await take(outside, 1)).map((i) => i.seq)).toEqual([7]); // the rest is whole
      await outside.return?.();
      expect((await threadline.log.compact()).rows).toBe(4);
    });

    it("R32: a fork point inside another message's compacted range, with a later stream intact, still forks", async () => {
      const { threadline, clock } = await open();
      const thread = await threadline.threads.create();
      const a2 = await threadline.writers.open(thread.id, { messageId: "a2" }); // seq 2
      await reply(threadline, thread.id, "a1", ["x", "y"]); // created 3, deltas 4–7, finished 8
      await a2.write({ type: "text-start", id: "t" }); // 9
      await a2.write({ type: "text-delta", id: "t", delta: "live" }); // 10
      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact();
      // At seq 10, a1 is finished (rebuilt from message.finished) and a2's deltas are all there.
      const fork = await threadline.threads.fork(thread.id, { atSeq: 10 });
      expect((await threadline.messages.list(fork.id)).messages.map(textOf)).toEqual([
        "live",
        "xy",
      ]);
      await a2.finish();
    });

    it("R32: GET …/stream of a message streaming across a compacted range replays all of it (the holes are other messages')", async () => {
      const { threadline, clock } = await open();
      const thread = await threadline.threads.create();
      const a2 = await threadline.writers.open(thread.id, { messageId: "a2" }); // seq 2
      await reply(threadline, thread.id, "a1", ["x", "y"]); // 3–8, finished
      await a2.write({ type: "text-start", id: "t" });
      await a2.write({ type: "text-delta", id: "t", delta: "live" });
      clock.advance(HORIZON_MS + 1);
      expect((await threadline.log.compact()).rows).toBe(4);
      const stream = await threadline.chat.resume(thread.id);
      if (!stream) throw new Error("a2 is streaming: there is a stream to resume");
      const chunks = (async () => {
        const all: unknown[] = [];
        const reader = stream.getReader();
        for (let next = await reader.read(); !next.done; next = await reader.read()) {
          all.push(next.value);
        }
        return all;
      })();
      await a2.write({ type: "text-delta", id: "t", delta: " on" });
      await a2.write({ type: "text-end", id: "t" });
      await a2.finish();
      expect(await chunks).toEqual([
        { type: "start", messageId: "a2" },
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: "live" },
        { type: "text-delta", id: "t", delta: " on" },
        { type: "text-end", id: "t" },
        { type: "finish" },
      ]);
    });

    for (const order of ["the subscriber catches up first", "compaction comes first"]) {
      it(`R12/R32: compaction racing a live subscriber that fell behind — ${order}`, async () => {
        const { threadline, clock } = await open({ queueCapacity: 1 });
        const thread = await threadline.threads.create({ id: "t1" });
        const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
        const items = await take(iterator, 1); // snapshot at seq 1
        // Its queue holds one event: a1's deltas and end are dropped and it falls behind (R12).
        await drive(clock, reply(threadline, thread.id, "a1", ["a", "b", "c", "d"]));
        const compact = async () => {
          clock.advance(HORIZON_MS + 1);
          expect((await threadline.log.compact()).rows).toBeGreaterThan(0);
        };
        if (order.includes("first")) {
          if (order.startsWith("the subscriber")) {
            items.push(...(await take(iterator, 8))); // created, 6 deltas, finished: from the log
            await compact();
          } else {
            await compact();
            items.push(...(await take(iterator, 2))); // created (queued), then a fresh snapshot
          }
        }
        // Its queue may still hold a stale event: the publish waits its bounded time (R12).
        await drive(clock, threadline.messages.append(thread.id, user("after")));
        const [last] = await take(iterator, 1);
        items.push(last as SubscriptionItem);
        if (order.startsWith("compaction")) {
          expect(items.map((i) => i.type)).toEqual([
            "snapshot",
            "message.created",
            "snapshot",
            "message.created",
          ]);
        } else {
          expect(items.filter((i) => i.type === "snapshot")).toHaveLength(1);
        }
        const seqs = items.filter((i) => i.type !== "snapshot").map((i) => i.seq);
        expect(new Set(seqs).size).toBe(seqs.length); // no event twice
        expect(viewOf(items).messages).toEqual(
          (await threadline.messages.list(thread.id)).messages,
        );
        await iterator.return?.();
      });
    }

    for (const order of ["the resume reads the log first", "compaction comes first"]) {
      it(`R11/R32: compaction racing a resume — ${order}`, async () => {
        const { threadline, clock } = await open();
        const threadId = await conversation(threadline);
        // The view a client had at seq 3, where it resumes from.
        let atSeq3 = createThreadView(0, []);
        for (const event of await logOf(threadline.store, "default", threadId)) {
          if (event.seq <= 3) atSeq3 = applyThreadEvent(atSeq3, event);
        }
        clock.advance(HORIZON_MS + 1);
        const readOpened = gate();
        gated(threadline.store, "readEvents", readOpened.promise);
        // The resume checks its offset (nothing compacted yet), then waits at its log read.
        const iterator = threadline.subscribe(threadId, { after: 3 })[Symbol.asyncIterator]();
        const first = iterator.next();
        await settle();
        let items: SubscriptionItem[];
        if (order.startsWith("the resume")) {
          readOpened.open();
          items = [(await first).value as SubscriptionItem, ...(await take(iterator, 8))];
          await threadline.log.compact();
        } else {
          await threadline.log.compact();
          readOpened.open();
          items = [(await first).value as SubscriptionItem]; // the read meets a hole
        }
        await threadline.messages.append(threadId, user("q3"));
        items.push(...(await take(iterator, 1)));
        if (order.startsWith("the resume")) {
          expect(items.map((i) => i.seq)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        } else {
          expect(items.map((i) => [i.type, i.seq])).toEqual([
            ["snapshot", 12],
            ["message.created", 13],
          ]);
        }
        // Applied on the view the client had at seq 3, it is every message once either way.
        const list = (await threadline.messages.list(threadId)).messages;
        expect(viewOf(items, atSeq3).messages).toEqual(list);
        await iterator.return?.();
      });
    }

    it("R32: GET …/events?after=N inside a compacted range starts with a snapshot at the current seq; outside, the log", async () => {
      const { app, threadline, clock } = await openApp(backend, {
        threadline: { windowMs: 0, compaction: { resumeHorizonMs: HORIZON_MS } },
      });
      const threadId = await conversation(threadline);
      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact();

      const metrics = await (await app.request(PATHS.metrics)).text();
      expect(metrics).toMatch(/^threadline_log_compacted_events_total 7$/m);
      const inside = await app.request(`${PATHS.events(threadId)}?after=5`);
      expect(inside.status).toBe(200);
      const insideEvents = new SseReader(inside.body);
      const snapshot = await insideEvents.next();
      expect(snapshot).toMatchObject({ event: "snapshot", id: "12" });
      expect(JSON.parse(snapshot?.data ?? "").messages.map(textOf)).toEqual([
        "q1",
        "Hello there!",
        "q2",
      ]);
      await insideEvents.cancel();

      const byHeader = await app.request(PATHS.events(threadId), {
        headers: { "last-event-id": "10" },
      });
      const outside = new SseReader(byHeader.body);
      expect((await outside.take(2)).map((e) => [e.event, e.id])).toEqual([
        ["message.finished", "11"],
        ["message.created", "12"],
      ]);
      await outside.cancel();
    });

    it("R32: threadline/client resumes into a compacted range transparently: its snapshot replaces the view", async () => {
      const { app, threadline, clock } = await openApp(backend, {
        threadline: { windowMs: 0, compaction: { resumeHorizonMs: HORIZON_MS } },
      });
      const url = await listen(app);
      const thread = await threadline.threads.create({ id: "t1" });
      await threadline.messages.append(thread.id, user("q1")); // seq 2
      // The first events connection breaks after 3 events; the reconnect waits for a gate.
      const reconnect = gate();
      let connections = 0;
      const client = createClient({
        baseUrl: url,
        fetch: async (input, init) => {
          connections += 1;
          if (connections > 1) await reconnect.promise;
          const response = await fetch(input, init);
          if (connections > 1 || !response.body) return response;
          let seen = 0;
          const body = response.body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                controller.enqueue(chunk);
                seen += new TextDecoder().decode(chunk).split("\n\n").length - 1;
                if (seen >= 3) controller.error(new TypeError("connection reset"));
              },
            }),
          );
          return new Response(body, { status: response.status, headers: response.headers });
        },
      });
      let view = createThreadView(0, []);
      const received: string[] = [];
      const following = (async () => {
        for await (const item of client.subscribe(thread.id, { reconnectDelayMs: 1 })) {
          // The app's code: a snapshot replaces the view, an event applies to it.
          view =
            item.type === "snapshot"
              ? createThreadView(item.seq, item.messages)
              : applyThreadEvent(view, item as ThreadEvent);
          received.push(`${item.type}@${item.seq}`);
          if (item.type === "message.created" && item.seq === 13) break;
        }
      })();
      const deadline = Date.now() + 5_000;
      while (received.length === 0 && Date.now() < deadline) await settle();
      const writer = await threadline.writers.open(thread.id, { messageId: "a1" }); // seq 3
      await writer.write({ type: "text-start", id: "t" }); // seq 4: the third event, then the break
      while (connections < 2 && Date.now() < deadline) await settle();
      expect(received).toEqual(["snapshot@2", "message.created@3", "message.delta@4"]);
      for (const delta of ["Hel", "lo"]) await writer.write({ type: "text-delta", id: "t", delta });
      await writer.write({ type: "text-end", id: "t" });
      await writer.finish(); // finished at 8
      await threadline.messages.append(thread.id, user("q2")); // 9
      clock.advance(HORIZON_MS + 1);
      await threadline.log.compact(); // 4–7 gone: the client's Last-Event-ID 4 is inside
      reconnect.open();
      await settle();
      for (const text of ["q3", "q4", "q5", "q6"])
        await threadline.messages.append(thread.id, user(text));
      await following;
      expect(received.slice(3)).toEqual([
        "snapshot@9",
        "message.created@10",
        "message.created@11",
        "message.created@12",
        "message.created@13",
      ]);
      expect(view.messages).toEqual((await threadline.messages.list(thread.id)).messages);
    });
  });
}
