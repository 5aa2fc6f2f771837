/**
 * Thread retention and deletion in bounded batches (R20, R25, issue 8 item 2): the periodic purge
 * of threads idle past `retention.threadTtlMs` or their workspace's own TTL,
 * `threadline.retention.purge` (dry run included),
 * `threads.delete` in batches, a deletion a crash interrupted, and a purge racing a stream into
 * the same thread (both orderings) never leaving a half-deleted thread that takes writes.
 */
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { gate, logOf, take, textOf } from "../support/helpers.js";

const HOUR_MS = 3_600_000;

const user = (text: string) => ({
  role: "user" as const,
  parts: [{ type: "text" as const, text }],
});

/** A thread with a user message and a reply of `deltas` committed deltas (windowMs 0). */
async function filled(threadline: Threadline, id: string, deltas: number): Promise<void> {
  await threadline.threads.create({ id, title: `thread ${id}` });
  await threadline.messages.append(id, user(`question ${id}`));
  const writer = await threadline.writers.open(id);
  await writer.write({ type: "text-start", id: "t" });
  for (let i = 0; i < deltas; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
  await writer.write({ type: "text-end", id: "t" });
  await writer.finish();
}

/** How many rows of each table still belong to a thread (bodies: those of `messageIds`). */
async function rowsOf(threadline: Threadline, threadId: string, messageIds: string[] = ["-"]) {
  const db = (threadline.store as unknown as { driver: { db: import("kysely").Kysely<unknown> } })
    .driver.db;
  const count = async (query: ReturnType<typeof sql<{ n: number | string }>>) =>
    Number((await query.execute(db)).rows[0]?.n);
  return {
    threads: await count(sql`select count(*) as n from threads where id = ${threadId}`),
    events: await count(sql`select count(*) as n from events where thread_id = ${threadId}`),
    messages: await count(sql`select count(*) as n from messages where thread_id = ${threadId}`),
    bodies: await count(
      sql`select count(*) as n from message_bodies where message_id in (${sql.join(messageIds)})`,
    ),
    deletions: await count(sql`select count(*) as n from thread_deletions`),
  };
}

const NONE = { threads: 0, events: 0, messages: 0, bodies: 0, deletions: 0 };

/** Replaces a store method with one that waits for `opened` first (a race a test orders). */
function gated<K extends keyof Store>(
  store: Store,
  name: K,
  opened: Promise<void>,
): { reached: Promise<void> } {
  const original = (store[name] as (...args: unknown[]) => Promise<unknown>).bind(store);
  let arrived: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  (store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    arrived();
    await opened;
    return original(...args);
  };
  return { reached };
}

for (const backend of BACKENDS) {
  describe(`thread retention and purge [${backend.name}]`, () => {
    it("R25: the periodic purge deletes threads idle past the TTL, in batches of at most batchRows; viewers get thread.deleted", async () => {
      let next = 0;
      const { threadline, clock } = await openThreadline(backend, {
        windowMs: 0,
        retention: { threadTtlMs: HOUR_MS, intervalMs: 60_000, batchRows: 10 },
        generateId: () => `old-${next++}`,
      });
      const batches: number[] = [];
      threadline.events.on("lifecycle:thread-batch", (b) =>
        batches.push(b.events + b.bodies + b.messages),
      );
      const purged: string[] = [];
      threadline.events.on("lifecycle:thread-purged", (p) => purged.push(p.threadId));
      await filled(threadline, "old", 30); // 1 + 1 + 1 + 32 + 1 = 36 events, 2 messages
      const ids = (await threadline.messages.list("old")).messages.map((m) => m.id);
      expect((await rowsOf(threadline, "old", ids)).bodies).toBe(2);
      const viewer = threadline.subscribe("old")[Symbol.asyncIterator]();
      await take(viewer, 1);
      clock.advance(HOUR_MS / 2);
      await filled(threadline, "fresh", 1);
      expect((await rowsOf(threadline, "old")).events).toBe(36);

      clock.advance(HOUR_MS / 2 + 60_000); // old: idle 1 h + 1 min; fresh: 31 min
      await threadline.retention.purge(); // waits for the periodic run the clock started
      expect(purged).toEqual(["old"]);
      expect(batches).toEqual([10, 10, 10, 6, 4]); // events, then 2 bodies + 2 messages
      expect(await rowsOf(threadline, "old", ids)).toEqual(NONE);
      await expect(threadline.threads.get("old")).rejects.toMatchObject({ code: "not_found" });
      const [deleted] = await take(viewer, 1);
      expect(deleted?.type).toBe("thread.deleted");
      expect((await threadline.messages.list("fresh")).messages).toHaveLength(2);
    });

    it("R25: a workspace's own TTL replaces threadTtlMs for its threads, null keeps them; purge() without an age applies the same TTLs", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        windowMs: 0,
        retention: {
          threadTtlMs: HOUR_MS,
          workspaceThreadTtlMs: { long: 10 * HOUR_MS, keep: null, short: HOUR_MS / 4 },
          intervalMs: 2 ** 31 - 1, // only the purges the test runs
        },
      });
      const ids = ["default", "long", "keep", "short", "other"];
      for (const id of ids) await threadline.workspace(id).threads.create({ id: `t-${id}` });
      const remaining = async () => {
        const left: string[] = [];
        for (const id of ids) {
          const { threads } = await threadline.workspace(id).threads.list();
          left.push(...threads.map((t) => t.id));
        }
        return left;
      };

      clock.advance(HOUR_MS / 2); // past short's 15 min only
      expect(await threadline.retention.purge({ dryRun: true })).toMatchObject({
        threads: [{ workspaceId: "short", threadId: "t-short" }],
      });
      await threadline.retention.purge();
      expect(await remaining()).toEqual(["t-default", "t-long", "t-keep", "t-other"]);

      clock.advance(HOUR_MS); // 1.5 h: past threadTtlMs, not past long's 10 h
      const report = await threadline.retention.purge();
      expect(report.threads.map((t) => t.threadId).sort()).toEqual(["t-default", "t-other"]);
      expect(await remaining()).toEqual(["t-long", "t-keep"]);
      await expect(threadline.retention.purge({ workspaceId: "keep" })).rejects.toMatchObject({
        code: "bad_request",
        message: expect.stringContaining("no TTL applies to workspace keep"),
      });

      clock.advance(10 * HOUR_MS);
      await threadline.retention.purge();
      expect(await remaining()).toEqual(["t-keep"]);
      // An explicit age is the operator's: it applies whatever the workspace's own TTL.
      await threadline.retention.purge({ olderThanMs: HOUR_MS, workspaceId: "keep" });
      expect(await remaining()).toEqual([]);
    });

    it("R25: the periodic run applies each workspace's own TTL", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        windowMs: 0,
        retention: { workspaceThreadTtlMs: { short: HOUR_MS }, intervalMs: 60_000 },
      });
      await threadline.workspace("short").threads.create({ id: "s" });
      await threadline.threads.create({ id: "d" }); // no TTL for the default workspace
      clock.advance(HOUR_MS + 60_000);
      await threadline.retention.purge({ dryRun: true, olderThanMs: 1 }); // after the run
      expect((await threadline.workspace("short").threads.list()).threads).toEqual([]);
      expect((await threadline.threads.list()).threads.map((t) => t.id)).toEqual(["d"]);
    });

    it("R25: bad per-workspace TTLs are refused naming the workspace", async () => {
      for (const ttl of [0, -1, 1.5, "1h", Number.NaN]) {
        await expect(
          openThreadline(backend, {
            retention: { workspaceThreadTtlMs: { acme: ttl as number } },
          }),
        ).rejects.toMatchObject({
          code: "bad_request",
          message: expect.stringContaining("retention.workspaceThreadTtlMs.acme"),
        });
      }
    });

    it("R25: a dry run lists the threads past the age, oldest first, and deletes nothing; one workspace at a time", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 0 });
      await threadline.threads.create({ id: "a", title: "first" });
      clock.advance(1_000);
      await threadline.workspace("other").threads.create({ id: "b" });
      clock.advance(1_000);
      await threadline.threads.create({ id: "c" });
      clock.advance(10 * HOUR_MS);
      const dry = await threadline.retention.purge({ olderThanMs: HOUR_MS, dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, kept: 0, batches: 0, rows: 0 });
      expect(dry.threads.map((t) => `${t.workspaceId}/${t.threadId}`)).toEqual([
        "default/a",
        "other/b",
        "default/c",
      ]);
      expect(dry.threads[0]).toMatchObject({ title: "first", updatedAt: 1_700_000_000_000 });
      expect((await threadline.threads.list()).threads).toHaveLength(2);

      const other = await threadline.retention.purge({
        olderThanMs: HOUR_MS,
        workspaceId: "other",
      });
      expect(other.threads.map((t) => t.threadId)).toEqual(["b"]);
      await expect(threadline.workspace("other").threads.get("b")).rejects.toMatchObject({
        code: "not_found",
      });
      expect((await threadline.threads.list()).threads).toHaveLength(2);
      await expect(threadline.retention.purge()).rejects.toMatchObject({ code: "bad_request" });
    });

    it("R20: threads.delete removes a huge thread in bounded batches; its id is taken until the last batch", async () => {
      const { threadline } = await openThreadline(backend, {
        windowMs: 0,
        retention: { batchRows: 8 },
      });
      const batches: number[] = [];
      threadline.events.on("lifecycle:thread-batch", (b) =>
        batches.push(b.events + b.bodies + b.messages),
      );
      await filled(threadline, "big", 20);
      const ids = (await threadline.messages.list("big")).messages.map((m) => m.id);
      const lastBatch = gate();
      let calls = 0;
      const original = threadline.store.deleteThreadRows.bind(threadline.store);
      const firstBatch = gate();
      threadline.store.deleteThreadRows = async (...args) => {
        firstBatch.open(); // the thread row is gone by the first batch of its rows
        if (++calls === 3) await lastBatch.promise;
        return original(...args);
      };
      const deleting = threadline.threads.delete("big");
      await firstBatch.promise;
      // Gone for readers and writers at once; its id comes back only once every row is gone.
      await expect(threadline.threads.get("big")).rejects.toMatchObject({ code: "not_found" });
      await expect(threadline.messages.append("big", user("late"))).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(threadline.threads.create({ id: "big" })).rejects.toMatchObject({
        code: "conflict",
        message: expect.stringContaining("being deleted"),
      });
      lastBatch.open();
      await deleting;
      expect(batches.every((rows) => rows <= 8)).toBe(true);
      expect(batches.reduce((a, b) => a + b, 0)).toBe(26 + 2 + 2); // events, bodies, messages
      expect(await rowsOf(threadline, "big", ids)).toEqual(NONE);
      expect((await threadline.threads.create({ id: "big" })).headSeq).toBe(1);
    });

    it("R20/R25: a deletion a crash interrupted is finished by the next periodic run", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        windowMs: 0,
        retention: { intervalMs: 60_000, batchRows: 5 },
      });
      await filled(threadline, "t1", 3);
      // The process died after the deletion began: the thread row is gone, its rows are not.
      await threadline.store.beginThreadDeletion("default", "t1", clock.now());
      expect(await rowsOf(threadline, "t1")).toMatchObject({ threads: 0, events: 9, deletions: 1 });
      clock.advance(60_000);
      await threadline.retention.purge({ olderThanMs: HOUR_MS }); // after the periodic run
      expect(await rowsOf(threadline, "t1")).toEqual(NONE);
    });

    describe("a purge racing a stream into the same thread (two nodes on one database)", () => {
      /**
       * Node W streams into t1; node P purges, its clock 2 h ahead: on P's clock the thread is
       * idle. Neither sweeps leases nor takes the other over in that time (their clocks differ).
       */
      async function nodes() {
        const database = await backend.freshDatabase({ shared: true });
        const quiet = { windowMs: 0, sweepIntervalMs: 2 ** 31 - 1, nodeTimeoutMs: 10 * HOUR_MS };
        const w = await openThreadline(backend, { database, ...quiet });
        const p = await openThreadline(backend, { database, ...quiet, orphansAtStart: false });
        await w.threadline.threads.create({ id: "t1" });
        await w.threadline.messages.append("t1", user("q"));
        const writer = await w.threadline.writers.open("t1", { messageId: "m1" });
        await writer.write({ type: "text-start", id: "t" });
        await writer.write({ type: "text-delta", id: "t", delta: "partial" });
        p.clock.advance(2 * HOUR_MS);
        return { w, p, writer };
      }

      it("R20/R25: the purge first — the writer's next write gets message_finalized and nothing of the thread is left", async () => {
        const { w, p, writer } = await nodes();
        const ids = (await p.threadline.messages.list("t1")).messages.map((m) => m.id);
        const rowsGate = gate();
        const rows = gated(p.threadline.store, "deleteThreadRows", rowsGate.promise);
        const purging = p.threadline.retention.purge({ olderThanMs: HOUR_MS });
        await rows.reached; // the thread row is gone; its rows wait for the gate
        // A write lands while the rows are being deleted: refused, nothing is written.
        await expect(
          writer.write({ type: "text-delta", id: "t", delta: " more" }),
        ).rejects.toMatchObject({ code: "message_finalized" });
        expect((await rowsOf(p.threadline, "t1")).events).toBe(5); // nothing was appended
        rowsGate.open();
        expect((await purging).threads.map((t) => t.threadId)).toEqual(["t1"]);
        await expect(writer.finish()).rejects.toMatchObject({ code: "message_finalized" });
        await expect(w.threadline.writers.open("t1")).rejects.toMatchObject({
          code: "not_found",
        });
        expect(await rowsOf(p.threadline, "t1", ids)).toEqual(NONE);
      });

      it("R25: the stream first — a thread written to after the purge picked it is kept, whole", async () => {
        const { w, p, writer } = await nodes();
        const beginGate = gate();
        const begin = gated(p.threadline.store, "beginThreadDeletion", beginGate.promise);
        const purging = p.threadline.retention.purge({ olderThanMs: HOUR_MS });
        await begin.reached; // the purge picked t1 and waits to delete it
        w.clock.advance(2 * HOUR_MS); // W's clock catches up: its write is fresh
        await writer.write({ type: "text-delta", id: "t", delta: " more" });
        beginGate.open();
        const report = await purging;
        expect(report).toMatchObject({ threads: [], kept: 1, batches: 0 });
        await writer.write({ type: "text-end", id: "t" });
        await writer.finish();
        const { messages } = await p.threadline.messages.list("t1");
        expect(messages.map(textOf)).toEqual(["q", "partial more"]);
        expect(await logOf(p.threadline.store, "default", "t1")).toHaveLength(8);
      });
    });
  });
}
