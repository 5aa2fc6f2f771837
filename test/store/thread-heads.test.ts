/**
 * Thread heads kept in memory on SQLite (issue 9, `src/store/sqlite/thread-heads.ts`): a streaming
 * tick reserves its seqs without rewriting the thread row, and still every log stays dense with each
 * seq once (SPEC §1), every reader sees the true head (R11: snapshots, bounds, offsets), another
 * connection on the file — in-thread or worker driver, in either order — continues the log where
 * it is, and a tick that fails to commit leaves nothing behind (R10, R30). The restart after
 * `kill -9` is test/faults/kill-under-load.test.ts.
 */
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import { threadKey } from "../../src/store/queries/append-events.js";
import {
  NEWEST_RECENT_SEQ_OF_THREAD,
  RecentEventsMover,
} from "../../src/store/sqlite/recent-events.js";
import { attachedThreadHeads } from "../../src/store/sqlite/thread-heads.js";
import type { MessageWrite, Store } from "../../src/store/store.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline, SQLITE_WORKER } from "../support/backends.js";
import { refuseRows } from "../support/exec-sql.js";
import { logOf } from "../support/helpers.js";
import { databaseOf, moveAllRecentEvents } from "../support/inspect-store.js";

const SQLITE = BACKENDS.find((b) => b.name === "sqlite")!;

/** Streams one reply of `deltas` deltas on a thread (windowMs 0: a tick per delta). */
async function reply(threadline: Threadline, threadId: string, deltas: number, text = "d") {
  const writer = await threadline.writers.open(threadId);
  await writer.write({ type: "text-start", id: "t" });
  for (let i = 0; i < deltas; i++) await writer.write({ type: "text-delta", id: "t", delta: text });
  await writer.write({ type: "text-end", id: "t" });
  await writer.finish();
  return writer;
}

/** The thread row's own `head_seq`, read behind the library's back. */
async function rowHead(store: Store, threadId: string): Promise<number> {
  const { rows } = await sql<{ head_seq: number }>`
    select head_seq from threads where id = ${threadId}`.execute(databaseOf(store));
  return Number(rows[0]?.head_seq);
}

/** The log's seqs, which must be 1…N: dense, each once. */
async function seqsOf(store: Store, threadId: string): Promise<number[]> {
  return (await logOf(store, "default", threadId)).map((e) => e.seq);
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Every reader's head of a thread: the thread, its log bounds, a snapshot, a page of threads. */
async function headsSeen(threadline: Threadline, threadId: string) {
  const store = threadline.store;
  return {
    thread: (await store.getThread("default", threadId))?.headSeq,
    bounds: (await store.getLogBounds("default", threadId))?.headSeq,
    snapshot: (await store.readSnapshot("default", threadId))?.seq,
    listed: (await store.listThreads("default", { limit: 10 })).threads.find(
      (t) => t.id === threadId,
    )?.headSeq,
  };
}

describe("thread heads in memory [sqlite]", () => {
  it("SPEC §1, R11: streaming ticks leave the thread row behind, yet the log is dense and every reader sees its newest seq; moving the recent events writes the head into the row", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
    const thread = await threadline.threads.create({ id: "t1" });
    await reply(threadline, thread.id, 6);
    const seqs = await seqsOf(threadline.store, thread.id);
    const head = seqs.length;
    expect(seqs).toEqual(oneTo(head));
    // thread.created, message.created, text-start, 6 deltas, text-end, finished: the first tick
    // writes the row, later ones only the cache, the terminal write the row again.
    expect(await rowHead(threadline.store, thread.id)).toBe(head);
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    for (let i = 0; i < 5; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
    const streaming = (await seqsOf(threadline.store, thread.id)).length;
    expect(await rowHead(threadline.store, thread.id)).toBeLessThan(streaming);
    expect(await headsSeen(threadline, thread.id)).toEqual({
      thread: streaming,
      bounds: streaming,
      snapshot: streaming,
      listed: streaming,
    });
    await moveAllRecentEvents(threadline.store);
    expect(await rowHead(threadline.store, thread.id)).toBe(streaming);
    await writer.finish();
    expect(await seqsOf(threadline.store, thread.id)).toEqual(oneTo(streaming + 1));
  });

  it("SPEC §1, R11: a sliced cycle of the recent events' mover writes the heads of its slices' streaming threads into their rows, from the cached heads — also where JavaScript and SQLite order the keys differently — so no row is behind once its thread's events left", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
    const store = threadline.store;
    // JavaScript sorts these a1 < a2 < b1 < b2 < x😀 < x\uE000 (a surrogate pair is below
    // U+E000 in UTF-16) and SQLite's UTF-8 bytes put x\uE000 before x😀. Two noted threads per
    // slice over three steps: the second slice, [b1, x😀), holds x\uE000 too in SQLite.
    const ids = ["a1", "a2", "b1", "b2", "x\u{1F600}", "x\uE000"];
    const mover = new RecentEventsMover(databaseOf(store), {
      cycleSteps: 3,
      maxCycleSteps: 3,
      minSliceThreads: 1,
    });
    for (let i = 0; i < 3; i++) await mover.step(); // its first cycle: a sweep of nothing
    const writers = [];
    const heads = new Map<string, number>();
    for (const id of ids) {
      await threadline.threads.create({ id });
      const writer = await threadline.writers.open(id);
      await writer.write({ type: "text-start", id: "t" });
      for (let i = 0; i < 4; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
      writers.push(writer);
      heads.set(id, (await seqsOf(store, id)).length);
      expect(await rowHead(store, id)).toBeLessThan(heads.get(id)!);
    }
    mover.note(ids.map((threadId) => ({ workspaceId: "default", threadId })));
    const recentOf = async (id: string) => {
      const { rows } = await sql<{ n: number }>`
        select count(*) as n from events_recent where thread_id = ${id}`.execute(databaseOf(store));
      return Number(rows[0]?.n);
    };
    const movedBy: number[] = [];
    for (let step = 0; step < 3; step++) {
      movedBy.push(await mover.step());
      for (const id of ids) {
        if ((await recentOf(id)) > 0) continue;
        expect({ id, row: await rowHead(store, id) }).toEqual({ id, row: heads.get(id) });
      }
    }
    const all = [...heads.values()];
    const of = (...names: string[]) => names.reduce((sum, id) => sum + heads.get(id)!, 0);
    expect(movedBy).toEqual([of("a1", "a2"), of("b1", "b2", "x\uE000"), of("x\u{1F600}")]);
    expect(movedBy.reduce((a, b) => a + b)).toBe(all.reduce((a, b) => a + b));
    for (const writer of writers) await writer.finish();
    for (const id of ids) expect(await seqsOf(store, id)).toEqual(oneTo(heads.get(id)! + 1));
  });

  it("R20, R11: once another connection committed, the mover's step writes no head this connection cached before (a thread deleted and created again there keeps its new head)", async () => {
    const file = await SQLITE.freshDatabase({ shared: true });
    const mine = (await openThreadline(SQLITE, { database: file, windowMs: 0 })).threadline;
    const theirs = (await openThreadline(SQLITE, { database: file, windowMs: 0 })).threadline;
    const mover = new RecentEventsMover(databaseOf(mine.store), {
      cycleSteps: 2,
      maxCycleSteps: 2,
      minSliceThreads: 1,
    });
    for (let i = 0; i < 2; i++) await mover.step(); // its first cycle: a sweep of nothing
    for (const id of ["a", "b"]) {
      await mine.threads.create({ id });
      await reply(mine, id, 6); // cached: a head of 11
    }
    await theirs.threads.delete("a");
    await theirs.threads.create({ id: "a" });
    mover.note(["a", "b"].map((threadId) => ({ workspaceId: "default", threadId })));
    for (let i = 0; i < 2; i++) await mover.step(); // slices [–, b) and [b, –)
    expect(await rowHead(mine.store, "a")).toBe(1);
    expect(await seqsOf(mine.store, "a")).toEqual([1]);
    await reply(mine, "a", 1);
    expect(await seqsOf(mine.store, "a")).toEqual(oneTo(6));
  });

  for (const other of [SQLITE, SQLITE_WORKER]) {
    for (const first of ["this", "other"] as const) {
      it(`SPEC §1: another connection on the file (${other.name} driver) appending to the thread, ${first === "this" ? "after" : "before"} this one streamed, continues the log where it is: dense, each seq once`, async () => {
        const file = await SQLITE.freshDatabase({ shared: true });
        const mine = (await openThreadline(SQLITE, { database: file, windowMs: 0 })).threadline;
        const database = other.name === "sqlite-worker" ? `${file}?worker=1` : file;
        const theirs = (await openThreadline(other, { database, windowMs: 0 })).threadline;
        const thread = await mine.threads.create({ id: "shared" });
        const userMessage = () =>
          theirs.messages.append(thread.id, {
            role: "user",
            parts: [{ type: "text", text: "from the other connection" }],
          });
        if (first === "other") await userMessage();
        const writer = await mine.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        for (let i = 0; i < 4; i++) await writer.write({ type: "text-delta", id: "t", delta: "a" });
        await userMessage();
        for (let i = 0; i < 4; i++) await writer.write({ type: "text-delta", id: "t", delta: "b" });
        await userMessage();
        await writer.write({ type: "text-end", id: "t" });
        await writer.finish();
        await reply(theirs, thread.id, 3);
        const seqs = await seqsOf(mine.store, thread.id);
        expect(seqs).toEqual(oneTo(seqs.length));
        expect(await seqsOf(theirs.store, thread.id)).toEqual(seqs);
        for (const threadline of [mine, theirs]) {
          expect(await headsSeen(threadline, thread.id)).toEqual({
            thread: seqs.length,
            bounds: seqs.length,
            snapshot: seqs.length,
            listed: seqs.length,
          });
        }
        expect((await mine.messages.get(writer.id))?.parts).toEqual([
          { type: "text", text: "aaaabbbb", state: "done" },
        ]);
      });
    }
  }

  for (const last of ["other", "this"] as const) {
    it(`R11: two connections stream a thread in turn, each leaving its row behind; this one's readers see the newest seq when ${last === "other" ? "the other streamed last (this one's cached heads are not trusted once another connection committed)" : "this one streamed last (its cache is exact again after its own reconcile)"}`, async () => {
      const file = await SQLITE.freshDatabase({ shared: true });
      const mine = (await openThreadline(SQLITE, { database: file, windowMs: 0 })).threadline;
      const theirs = (await openThreadline(SQLITE, { database: file, windowMs: 0 })).threadline;
      const thread = await mine.threads.create({ id: "shared" });
      const stream = async (threadline: Threadline, delta: string) => {
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        for (let i = 0; i < 3; i++) await writer.write({ type: "text-delta", id: "t", delta });
        return writer;
      };
      const order = last === "other" ? [mine, theirs] : [theirs, mine];
      const writers = [await stream(order[0]!, "a"), await stream(order[1]!, "b")];
      const seqs = await seqsOf(theirs.store, thread.id);
      expect(seqs).toEqual(oneTo(seqs.length));
      expect(await rowHead(mine.store, thread.id)).toBeLessThan(seqs.length);
      expect(await headsSeen(mine, thread.id)).toEqual({
        thread: seqs.length,
        bounds: seqs.length,
        snapshot: seqs.length,
        listed: seqs.length,
      });
      for (const writer of writers) await writer.finish();
    });
  }

  it("R11: outside its transactions this connection answers head reads from its cached heads while no other connection committed (events_recent is not read: a row planted there through the same connection, which keeps data_version, is not seen); after any commit of another connection it reads events_recent again", async () => {
    const file = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database: file, windowMs: 0 });
    const thread = await threadline.threads.create({ id: "t1" });
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    for (let i = 0; i < 3; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
    const head = (await seqsOf(threadline.store, thread.id)).length;
    expect(await rowHead(threadline.store, thread.id)).toBeLessThan(head);
    await sql`insert into events_recent
        (workspace_id, thread_id, seq, type, message_id, revision, payload, created_at)
      values ('default', ${thread.id}, 1000, 'planted', null, null, '{}', 1)`.execute(
      databaseOf(threadline.store),
    );
    const outside = {
      thread: (await threadline.store.getThread("default", thread.id))?.headSeq,
      bounds: (await threadline.store.getLogBounds("default", thread.id))?.headSeq,
    };
    expect(outside).toEqual({ thread: head, bounds: head });
    // Any commit of another connection changes this one's data_version.
    const other = new BetterSqlite3(file.slice("sqlite:".length));
    other.exec("create table unrelated (x)");
    other.close();
    expect((await threadline.store.getThread("default", thread.id))?.headSeq).toBe(1000);
    await sql`delete from events_recent where seq = 1000`.execute(databaseOf(threadline.store));
    await writer.finish();
  });

  it("R11: the read stamp of the cached heads — the data_version they are complete for, and a generation that changes whenever committed heads are cleared or dropped (a head read that sees it change across its statement reads events_recent instead)", async () => {
    const file = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database: file, windowMs: 0 });
    const heads = attachedThreadHeads(databaseOf(threadline.store))!;
    await threadline.threads.create({ id: "kept" });
    await threadline.threads.create({ id: "deleted" });
    const writer = await threadline.writers.open("kept");
    await writer.write({ type: "text-start", id: "t" });
    const first = heads.readStamp()!;
    // More streaming ticks: heads set, none cleared or dropped.
    for (let i = 0; i < 3; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
    expect(heads.readStamp()).toEqual(first);
    expect(heads.committedHead(threadKey("default", "kept"))).toBe(
      (await seqsOf(threadline.store, "kept")).length,
    );
    // A thread the cache knows, deleted: dropped.
    await reply(threadline, "deleted", 2);
    const beforeDrop = heads.readStamp()!;
    await threadline.threads.delete("deleted");
    expect(heads.readStamp()?.generation).toBeGreaterThan(beforeDrop.generation);
    // Another connection's commit: the next transaction reconciles and clears the cache.
    const other = new BetterSqlite3(file.slice("sqlite:".length));
    other.exec("create table unrelated (x)");
    other.close();
    const beforeClear = heads.readStamp()!;
    await writer.write({ type: "text-delta", id: "t", delta: "y" });
    const afterClear = heads.readStamp()!;
    expect(afterClear.generation).toBeGreaterThan(beforeClear.generation);
    expect(afterClear.dataVersion).not.toBe(beforeClear.dataVersion);
    await writer.finish();
  });

  it("a thread's head is found with seeks, whatever the size of the log: its query scans neither `event_log` nor `events_recent` (a condition on the `events` view from a correlated subquery scanned all of `event_log` per thread: 10 ms at 60 000 events)", async () => {
    const { threadline } = await openThreadline(SQLITE, { windowMs: 0 });
    const db = databaseOf(threadline.store);
    const query = db
      .selectFrom("threads")
      .select(sql<number>`${sql.raw(NEWEST_RECENT_SEQ_OF_THREAD)}`.as("head_seq"))
      .where("workspace_id", "=", "default")
      .where("id", "=", "t1")
      .compile();
    const { rows } = await db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
    );
    const plan = rows.map((r) => r.detail);
    expect(plan.join(" | ")).toContain(
      "SEARCH r USING PRIMARY KEY (created_at=? AND workspace_id=? AND thread_id=?)",
    );
    expect(plan.filter((step) => /^SCAN (event_log|events_recent)/.test(step))).toEqual([]);
  });

  it("SPEC §1: a store opened on the file without migrate() (the file is migrated already) still finds the heads left in events_recent before it appends", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
    const thread = await threadline.threads.create({ id: "t1" });
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    for (let i = 0; i < 5; i++) await writer.write({ type: "text-delta", id: "t", delta: "x" });
    expect(await rowHead(threadline.store, thread.id)).toBeLessThan(
      (await seqsOf(threadline.store, thread.id)).length,
    );
    const other = await openStore(database, "other-node");
    try {
      await other.createMessage(
        "default",
        {
          threadId: thread.id,
          id: "from-other",
          role: "user",
          status: "completed",
          parts: [{ type: "text", text: "hi" }],
        },
        Date.now(),
      );
    } finally {
      await other.close();
    }
    await writer.write({ type: "text-delta", id: "t", delta: "y" });
    const seqs = await seqsOf(threadline.store, thread.id);
    expect(seqs).toEqual(oneTo(seqs.length));
  });

  it("R10, R30: a tick that fails to commit reserves nothing — the next events of the thread take the seqs it would have taken", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
    await refuseRows(database, {
      table: "events",
      on: "insert",
      column: "payload",
      containing: "REFUSED",
      message: "refused by a check of the test",
    });
    const thread = await threadline.threads.create({ id: "t1" });
    await reply(threadline, thread.id, 3);
    // Its head is cached now; this writer's ticks reserve from memory.
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    await writer.write({ type: "text-delta", id: "t", delta: "kept" });
    await expect(
      writer.write({ type: "text-delta", id: "t", delta: "REFUSED" }),
    ).rejects.toMatchObject({ code: expect.any(String) });
    await reply(threadline, thread.id, 2);
    const seqs = await seqsOf(threadline.store, thread.id);
    expect(seqs).toEqual(oneTo(seqs.length));
    expect((await threadline.store.getThread("default", thread.id))?.headSeq).toBe(seqs.length);
  });

  it("R15, SPEC §1: a tick on a connection that had not cached the thread writes the bumped head into its row and lowers it again for the seqs its refused writes give back — the next event follows the last", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline: first } = await openThreadline(SQLITE, { database, windowMs: 0 });
    const thread = await first.threads.create({ id: "given-back" });
    const writers = [];
    for (let i = 0; i < 3; i++) {
      const writer = await first.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      writers.push(writer);
    }
    await writers[1]!.finish();
    const before = (await seqsOf(first.store, thread.id)).length;
    // Another connection's store (a bare store: a Threadline opening on the file would end the
    // messages as a restart's orphans): the thread is not in its cache, so its tick writes the row.
    const other = await openStore(database, "other-node");
    try {
      const late = (messageId: string): MessageWrite => ({
        kind: "stream",
        workspaceId: "default",
        threadId: thread.id,
        messageId,
        revision: 100,
        delta: { chunks: [{ type: "text-delta", id: "t", delta: " late" }] },
      });
      const outcomes = await other.commitWrites(
        [late(writers[0]!.id), late(writers[1]!.id), late("no-such-message"), late(writers[2]!.id)],
        Date.now(),
      );
      expect(outcomes.map((o) => (o.applied ? o.event.seq : o.reason))).toEqual([
        before + 1,
        "finalized",
        "missing",
        before + 2,
      ]);
      expect(await rowHead(other, thread.id)).toBe(before + 2);
    } finally {
      await other.close();
    }
    await first.messages.append(thread.id, { role: "user", parts: [{ type: "text", text: "x" }] });
    expect(await seqsOf(first.store, thread.id)).toEqual(oneTo(before + 3));
  });

  it("R20: a thread deleted and created again under its id starts its log at 1, though its old head was cached", async () => {
    const database = await SQLITE.freshDatabase({ shared: true });
    const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
    await threadline.threads.create({ id: "again" });
    await reply(threadline, "again", 4);
    await threadline.threads.delete("again");
    await threadline.threads.create({ id: "again" });
    await reply(threadline, "again", 2);
    const seqs = await seqsOf(threadline.store, "again");
    expect(seqs).toEqual(oneTo(seqs.length));
    expect(seqs.length).toBe(1 + 1 + 1 + 2 + 1 + 1);
  });
});
