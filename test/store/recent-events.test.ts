/**
 * SQLite's recent events (migration 7, issue 9): a tick's events land in `events_recent`, clustered
 * by commit time, and {@link Store.moveRecentEvents} moves them into `event_log`, keyed by thread,
 * one slice of threads per step. Whatever the split, the `events` view reads as one log (SPEC §1:
 * dense seqs, each event once; R11 snapshots and resumes), deletions and compaction reach both
 * tables (R20, R32), and a failed step loses nothing.
 */

import { join } from "node:path";
import Database from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import { describe, expect, it, vi } from "vitest";
import { RECENT_EVENTS_STEP_MS } from "../../src/lifecycle/recent-events-upkeep.js";
import type { ThreadlineEventMap } from "../../src/observe.js";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { openStore } from "../../src/store/open-store.js";
import {
  RECENT_EVENTS_CYCLE_STEPS,
  RECENT_EVENTS_MAX_CYCLE_STEPS,
  RecentEventsMover,
} from "../../src/store/sqlite/recent-events.js";
import type { Store } from "../../src/store/store.js";
import type { Threadline, ThreadlineOptions } from "../../src/threadline.js";
import { BACKENDS, openThreadline, SQLITE_WORKER } from "../support/backends.js";
import { refuseRows } from "../support/exec-sql.js";
import { databaseOf, moveAllRecentEvents } from "../support/inspect-store.js";
import { temporaryDirectory } from "../support/temporary-directory.js";

const SQLITE_BACKENDS = [BACKENDS.find((b) => b.name === "sqlite")!, SQLITE_WORKER];

/** Where a store's events are now: how many rows each table holds. */
async function tables(store: Store): Promise<{ recent: number; log: number }> {
  const { rows } = await sql<{ recent: number; log: number }>`
    select (select count(*) from events_recent) as recent, (select count(*) from event_log) as log`.execute(
    databaseOf(store),
  );
  return { recent: Number(rows[0]?.recent), log: Number(rows[0]?.log) };
}

/** Streams one message of `deltas` committed deltas (windowMs 0: one event each) on a thread. */
async function reply(threadline: Threadline, threadId: string, deltas: number): Promise<void> {
  const writer = await threadline.writers.open(threadId);
  await writer.write({ type: "text-start", id: "t" });
  for (let i = 0; i < deltas; i++)
    await writer.write({ type: "text-delta", id: "t", delta: `${i} ` });
  await writer.write({ type: "text-end", id: "t" });
  await writer.finish();
}

/** Every thread's whole log and snapshot, as a reader sees them. */
async function readAll(store: Store, threadIds: readonly string[]) {
  return Promise.all(
    threadIds.map(async (id) => ({
      events: await store.readEvents("default", id, 0, 10_000),
      snapshot: await store.readSnapshot("default", id),
    })),
  );
}

/**
 * Opens a Threadline (windowMs 0) on a new file, with `count` threads and one reply of 5 deltas
 * on each.
 */
async function threadsWithReplies(
  backend: (typeof SQLITE_BACKENDS)[number],
  count: number,
  options: Partial<ThreadlineOptions> = {},
) {
  const database = await backend.freshDatabase({ shared: true });
  const opened = await openThreadline(backend, { windowMs: 0, database, ...options });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const thread = await opened.threadline.threads.create({
      id: `thread-${String(i).padStart(3, "0")}`,
    });
    ids.push(thread.id);
    await reply(opened.threadline, thread.id, 5);
  }
  return { ...opened, ids };
}

describe.each(SQLITE_BACKENDS)(
  "recent events on SQLite [$name] (migration 7, issue 9)",
  (backend) => {
    it("SPEC §1, R11: the log and snapshots read the same with the events recent, moved a slice at a time, or moved", async () => {
      const { threadline, ids } = await threadsWithReplies(backend, 40);
      const store = threadline.store;
      // 40 threads × (thread.created, message.created, 5 deltas + text start/end, finished).
      const first = await tables(store);
      expect(first.log).toBe(0);
      const reference = await readAll(store, ids);
      expect(
        reference.every((t) => t.events.map((e) => e.seq).join() === "1,2,3,4,5,6,7,8,9,10"),
      ).toBe(true);

      // The first cycle moves everything at once (an earlier process may have left events).
      expect(await store.moveRecentEvents()).toBe(first.recent);
      expect(await tables(store)).toEqual({ recent: 0, log: first.recent });
      for (let i = 1; i < RECENT_EVENTS_CYCLE_STEPS; i++)
        expect(await store.moveRecentEvents()).toBe(0);
      expect(await readAll(store, ids)).toEqual(reference);

      // A second reply on every thread: light load (fewer thread commits than a cycle's least),
      // so the cycle goes on to its most steps; the next moves every thread in its first step
      // (fewer threads than a slice's least).
      for (const id of ids) await reply(threadline, id, 5);
      const second = await readAll(store, ids);
      const waiting = (await tables(store)).recent;
      for (let i = RECENT_EVENTS_CYCLE_STEPS; i < RECENT_EVENTS_MAX_CYCLE_STEPS; i++)
        expect(await store.moveRecentEvents()).toBe(0);
      expect(await store.moveRecentEvents()).toBe(waiting);
      expect(await readAll(store, ids)).toEqual(second);

      // A third, moved by a mover of 20 steps per cycle once 40 thread commits were noted, and
      // slices of one thread or more: 2 of the 40 threads per step, the log reading the same after
      // each.
      const mover = new RecentEventsMover(databaseOf(store), {
        cycleSteps: 20,
        minCycleCommits: 40,
        minSliceThreads: 1,
      });
      for (let i = 0; i < 20; i++) await mover.step(); // its first cycle: a sweep of nothing
      for (const id of ids) await reply(threadline, id, 5);
      mover.note(ids.map((threadId) => ({ workspaceId: "default", threadId })));
      const third = await readAll(store, ids);
      expect(third.map((t) => t.events.length)).toEqual(second.map((t) => t.events.length + 9));
      const perThread = waiting / ids.length;
      for (let i = 0; i < 20; i++) {
        expect(await mover.step()).toBe(2 * perThread);
        expect((await tables(store)).recent).toBe(waiting - 2 * perThread * (i + 1));
        expect(await readAll(store, ids)).toEqual(third);
      }
    });

    it("events of threads this store did not note (another connection's) are moved within a cycle: the slices cover every key", async () => {
      const { threadline, ids, database } = await threadsWithReplies(backend, 3);
      const store = threadline.store;
      // A slice per noted thread (thread-000 … thread-002): bounded slices, the first open below,
      // the last open above; its first cycle sweeps what is there.
      const mover = new RecentEventsMover(databaseOf(store), {
        cycleSteps: 5,
        maxCycleSteps: 5,
        minSliceThreads: 1,
      });
      for (let i = 0; i < 5; i++) await mover.step();
      // Another process appends to threads this one never wrote (through the view, as it would):
      // before the first noted key, between two, after the last.
      const foreign = ["a-elsewhere", "thread-001-elsewhere", "zzz-elsewhere"];
      const other = new Database(database.slice("sqlite:".length).replace(/\?.*$/, ""));
      try {
        const insert = other.prepare(
          `insert into events (workspace_id, thread_id, seq, type, message_id, revision, payload, created_at)
           values ('default', ?, 1, 'thread.created', null, null, '{}', 5)`,
        );
        for (const id of foreign) insert.run(id);
      } finally {
        other.close();
      }
      for (const id of ids) await reply(threadline, id, 2);
      mover.note(ids.map((threadId) => ({ workspaceId: "default", threadId })));
      expect((await tables(store)).recent).toBeGreaterThan(foreign.length);
      for (let i = 0; i < 5; i++) await mover.step();
      expect((await tables(store)).recent).toBe(0);
      for (const id of foreign) {
        expect((await store.readEvents("default", id, 0, 10)).map((e) => e.seq)).toEqual([1]);
      }
    });

    it("R30: a failed step moves nothing and loses nothing; the next cycle moves everything", async () => {
      const { threadline, ids, database } = await threadsWithReplies(backend, 4);
      const store = threadline.store;
      await moveAllRecentEvents(store);
      // A mover of 5 steps per cycle, a slice per thread; its first cycle sweeps what is there.
      const mover = new RecentEventsMover(databaseOf(store), {
        cycleSteps: 5,
        maxCycleSteps: 5,
        minSliceThreads: 1,
      });
      for (let i = 0; i < 5; i++) await mover.step();
      for (const id of ids) await reply(threadline, id, 3);
      mover.note(ids.map((threadId) => ({ workspaceId: "default", threadId })));
      const before = await readAll(store, ids);
      const waiting = (await tables(store)).recent;
      const lift = await refuseRows(database, {
        table: "event_log",
        on: "insert",
        message: "refused",
      });
      // The next cycle's first slice (1 of the 4 threads) fails: its transaction rolled back.
      await expect(mover.step()).rejects.toThrow(/refused/);
      expect((await tables(store)).recent).toBe(waiting);
      expect(await readAll(store, ids)).toEqual(before);
      await lift();
      // The rest of that cycle moves nothing (one error per cycle, not per step); the next one is a
      // sweep of everything.
      for (let i = 1; i < 5; i++) expect(await mover.step()).toBe(0);
      expect((await tables(store)).recent).toBe(waiting);
      expect(await mover.step()).toBe(waiting);
      expect((await tables(store)).recent).toBe(0);
      expect(await readAll(store, ids)).toEqual(before);
    });

    it.each([
      ["the step first", true],
      ["the commit first", false],
    ])(
      "SPEC §1: a commit racing a step (%s) leaves the log dense, each event once",
      async (_, stepFirst) => {
        const { threadline, ids } = await threadsWithReplies(backend, 2);
        const store = threadline.store;
        const id = ids[0]!;
        await store.moveRecentEvents(); // the first cycle's sweep
        const writer = await threadline.writers.open(id);
        await writer.write({ type: "text-start", id: "t" });
        for (let i = 0; i < 20; i++) {
          const write = writer.write({ type: "text-delta", id: "t", delta: `${i} ` });
          const step = store.moveRecentEvents();
          await (stepFirst ? Promise.all([step, write]) : Promise.all([write, step]));
        }
        await writer.write({ type: "text-end", id: "t" });
        await writer.finish();
        await moveAllRecentEvents(store);
        const seqs = (await store.readEvents("default", id, 0, 10_000)).map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
        expect(seqs.length).toBe(10 + 20 + 4); // first reply, 20 deltas, created/start/end/finished
        expect((await threadline.threads.get(id)).headSeq).toBe(seqs.length);
      },
    );

    it("R20, R32: deleting a thread and compacting its deltas reach both tables", async () => {
      const { threadline, ids, clock } = await threadsWithReplies(backend, 2, {
        compaction: { resumeHorizonMs: 0 },
      });
      const store = threadline.store;
      await moveAllRecentEvents(store);
      for (const id of ids) await reply(threadline, id, 4); // these stay recent
      const [kept, deleted] = ids as [string, string];
      await threadline.threads.delete(deleted);
      await expect
        .poll(async () => (await store.readEvents("default", deleted, 0, 100)).length)
        .toBe(0);
      const { rows } = await sql<{ n: number }>`
      select (select count(*) from events_recent where thread_id = ${deleted})
        + (select count(*) from event_log where thread_id = ${deleted}) as n`.execute(
        databaseOf(store),
      );
      expect(Number(rows[0]?.n)).toBe(0);

      clock.advance(1); // both replies finished before now
      const report = await threadline.log.compact();
      // Both replies' deltas (text start, deltas, text end): the first moved, the second recent.
      expect(report.rows).toBe(7 + 6);
      const types = (await store.readEvents("default", kept, 0, 100)).map((e) => e.type);
      expect(types).not.toContain("message.delta");
      const messages = await threadline.messages.list(kept);
      expect(messages.messages.map((m) => m.parts)).toEqual([
        [{ type: "text", text: "0 1 2 3 4 ", state: "done" }],
        [{ type: "text", text: "0 1 2 3 ", state: "done" }],
      ]);
    });

    it("the upkeep moves them every step on the Threadline's clock; a failed step is a lifecycle:error and the schedule goes on", async () => {
      const { threadline, clock, database } = await threadsWithReplies(backend, 3);
      const errors: ThreadlineEventMap["lifecycle:error"][] = [];
      threadline.events.on("lifecycle:error", (e) => errors.push(e));
      // Steps the upkeep ran to their end, failed or not: the clock moves on only after each.
      let steps = 0;
      const step = threadline.store.moveRecentEvents.bind(threadline.store);
      vi.spyOn(threadline.store, "moveRecentEvents").mockImplementation(() =>
        step().finally(() => {
          steps += 1;
        }),
      );
      const lift = await refuseRows(database, {
        table: "event_log",
        on: "insert",
        message: "refused",
      });
      clock.advance(RECENT_EVENTS_STEP_MS);
      await expect.poll(() => steps).toBe(1);
      expect(errors).toEqual([
        {
          task: "recent-events",
          error: expect.objectContaining({ message: expect.stringMatching(/refused/) }),
        },
      ]);
      await lift();
      // The failed step's cycle idles to its end; the next one (a sweep) moves everything.
      const waiting = (await tables(threadline.store)).recent;
      for (let i = 1; i < RECENT_EVENTS_CYCLE_STEPS; i++) {
        clock.advance(RECENT_EVENTS_STEP_MS);
        await expect.poll(() => steps).toBe(i + 1);
      }
      expect((await tables(threadline.store)).recent).toBe(waiting);
      clock.advance(RECENT_EVENTS_STEP_MS);
      await expect.poll(() => steps).toBe(RECENT_EVENTS_CYCLE_STEPS + 1);
      expect(await tables(threadline.store)).toEqual({ recent: 0, log: waiting });
      expect(errors).toHaveLength(1);
    });

    it("a window tick's commit is followed by a step at once, and the timer's next step comes a full interval after it (the step runs in the gap after a tick, never just before one)", async () => {
      const database = await backend.freshDatabase({ shared: true });
      // A window shorter than the step interval, so the tick below comes before the timer's step.
      const { threadline, clock } = await openThreadline(backend, { windowMs: 20, database });
      const thread = await threadline.threads.create({ id: "t" });
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" }); // structural: an urgent commit, no step
      const t0 = clock.now();
      // When each step started, relative to t0; how many ended (the timer re-arms after one ends).
      const stepsAt: number[] = [];
      let ended = 0;
      const step = threadline.store.moveRecentEvents.bind(threadline.store);
      vi.spyOn(threadline.store, "moveRecentEvents").mockImplementation(() => {
        stepsAt.push(clock.now() - t0);
        return step().finally(() => {
          ended += 1;
        });
      });
      const advanceTo = async (at: number, steps: number) => {
        clock.advance(at - (clock.now() - t0));
        await expect.poll(() => ended).toBe(steps);
      };
      // The upkeep's timer, armed when the Threadline opened (the clock has not moved since).
      await advanceTo(RECENT_EVENTS_STEP_MS, 1);
      // A delta 5 ms later: its window tick commits at 58, and a step follows at once.
      await advanceTo(RECENT_EVENTS_STEP_MS + 5, 1);
      await writer.write({ type: "text-delta", id: "t", delta: "a" });
      await advanceTo(RECENT_EVENTS_STEP_MS + 25, 2);
      // The timer's step, due at 66, now comes a full interval after the tick's: at 91.
      await advanceTo(2 * RECENT_EVENTS_STEP_MS, 2);
      await advanceTo(2 * RECENT_EVENTS_STEP_MS + 25 - 1, 2);
      await advanceTo(2 * RECENT_EVENTS_STEP_MS + 25, 3);
      expect(stepsAt).toEqual([33, 58, 91]);
      await writer.finish();
    });

    it("R27: a file made before migration 7 keeps its log; its new events go to the recent ones", async () => {
      const path = join(await temporaryDirectory("threadline-upgrade-"), "old.db");
      const old = new Kysely<unknown>({
        dialect: new SqliteDialect({ database: new Database(path) }),
      });
      const before = Object.fromEntries(
        Object.entries(MIGRATIONS).filter(([name]) => name < "0007"),
      );
      const { error } = await new Migrator({
        db: old,
        provider: { getMigrations: async () => before },
        migrationTableName: "threadline_migrations",
        migrationLockTableName: "threadline_migrations_lock",
      }).migrateToLatest();
      expect(error).toBeUndefined();
      for (const seq of [1, 2, 3]) {
        await sql`insert into events (workspace_id, thread_id, seq, type, message_id, revision, payload, created_at)
          values ('default', 'old-thread', ${seq}, 'message.delta', 'm', ${seq}, ${JSON.stringify({ n: seq })}, ${seq})`.execute(
          old,
        );
      }
      await old.destroy();

      const store = await openStore(
        `sqlite:${path}${backend === SQLITE_WORKER ? "?worker=1" : ""}`,
        "n1",
      );
      try {
        expect(await store.migrate()).toEqual([
          "0007-sqlite-recent-events",
          "0008-sqlite-message-epoch",
        ]);
        const read = async () =>
          (await store.readEvents("default", "old-thread", 0, 10)).map((e) => [e.seq, e.data]);
        expect(await read()).toEqual([
          [1, { n: 1 }],
          [2, { n: 2 }],
          [3, { n: 3 }],
        ]);
        expect(await tables(store)).toEqual({ recent: 0, log: 3 });
        await sql`insert into events (workspace_id, thread_id, seq, type, message_id, revision, payload, created_at)
          values ('default', 'old-thread', 4, 'message.delta', 'm', 4, ${JSON.stringify({ n: 4 })}, 4)`.execute(
          databaseOf(store),
        );
        expect(await tables(store)).toEqual({ recent: 1, log: 3 });
        expect((await read()).at(-1)).toEqual([4, { n: 4 }]);
        expect(await store.moveRecentEvents()).toBe(1); // a store's first cycle moves everything
        expect(await tables(store)).toEqual({ recent: 0, log: 4 });
      } finally {
        await store.close();
      }
    });

    it("a thread's reads seek both tables, never scan them (the view's plan)", async () => {
      const { threadline } = await threadsWithReplies(backend, 1);
      const db = databaseOf(threadline.store);
      const plan = async (query: string) =>
        (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db)).rows.map(
          (r) => r.detail,
        );
      const reads = [
        "select * from events where workspace_id = 'default' and thread_id = 't' and seq > 3 order by seq limit 100",
        "select message_id, min(revision) from events where workspace_id = 'default' and thread_id = 't' and seq > 3 and message_id in ('m') group by message_id",
        "select payload from events where workspace_id = 'default' and thread_id = 't' and seq in (1, 2)",
      ];
      for (const query of reads) {
        const details = await plan(query);
        expect(details.filter((d) => /event_log|events_recent| r /.test(`${d} `))).not.toEqual([]);
        for (const detail of details) expect(detail).not.toMatch(/^SCAN (event_log|r)\b/);
      }
    });
  },
);
