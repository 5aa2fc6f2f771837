/**
 * A thread's `updatedAt` (issue 9, R25): every event moves it to the event's time, except a
 * streaming tick's delta, which moves it only once it is THREAD_UPDATED_AT_SLACK_MS old (on
 * PostgreSQL an update of an indexed column is never a HOT update). Retention treats an age below
 * the slack as the slack, so a purge never picks a thread a stream wrote to within it.
 */
import { type Kysely, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { THREAD_UPDATED_AT_SLACK_MS } from "../../src/store/thread-store.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

const SLACK = THREAD_UPDATED_AT_SLACK_MS;

function databaseOf(threadline: Threadline): Kysely<unknown> {
  return (threadline.store as unknown as { driver: { db: Kysely<unknown> } }).driver.db;
}

for (const backend of BACKENDS) {
  describe(`a thread's updatedAt [${backend.name}]`, () => {
    it("R25: streaming deltas move it at most once per slack; the message's creation and its finish move it to their time", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 0 });
      const updatedAt = async () => (await threadline.threads.get("t1")).updatedAt;
      const start = clock.now();
      await threadline.threads.create({ id: "t1" });
      clock.advance(5);
      const writer = await threadline.writers.open("t1");
      expect(await updatedAt()).toBe(start + 5); // message.created
      clock.advance(SLACK / 2);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "a" });
      expect(await updatedAt()).toBe(start + 5); // within the slack: unchanged
      clock.advance(SLACK / 2);
      await writer.write({ type: "text-delta", id: "t", delta: "b" });
      expect(await updatedAt()).toBe(start + 5 + SLACK); // the slack old: moved
      clock.advance(10);
      await writer.write({ type: "text-delta", id: "t", delta: "c" });
      expect(await updatedAt()).toBe(start + 5 + SLACK);
      clock.advance(10);
      await writer.finish();
      expect(await updatedAt()).toBe(start + 5 + SLACK + 20); // message.finished: exact
      expect((await threadline.messages.get(writer.id)).parts).toMatchObject([
        { type: "text", text: "abc" },
      ]);
    });

    it("R25: a purge with an age below the slack keeps a thread a stream wrote to within it", async () => {
      const { threadline, clock } = await openThreadline(backend, { windowMs: 0 });
      await threadline.threads.create({ id: "t1" });
      const writer = await threadline.writers.open("t1");
      await writer.write({ type: "text-start", id: "t" });
      clock.advance(SLACK - 100);
      await writer.write({ type: "text-delta", id: "t", delta: "late" }); // updatedAt stays
      clock.advance(50);
      // 50 ms since the last delta, SLACK - 50 since updatedAt: an age of 20 ms must not purge it.
      const report = await threadline.retention.purge({ olderThanMs: 20 });
      expect(report.threads).toEqual([]);
      await writer.write({ type: "text-end", id: "t" });
      await writer.finish();
      clock.advance(SLACK + 1);
      expect((await threadline.retention.purge({ olderThanMs: 20 })).threads).toMatchObject([
        { threadId: "t1" },
      ]);
    });
  });
}

const postgres = BACKENDS.find((b) => b.name === "postgres");
if (!postgres) throw new Error("the PostgreSQL test backend is missing");

describe("a thread's updatedAt on PostgreSQL [postgres]", () => {
  it("issue 9: a streaming tick updates its thread in place (a HOT update): the updated_at index gets no entry until the slack passed", async () => {
    const { threadline, clock } = await openThreadline(postgres, { windowMs: 0 });
    const db = databaseOf(threadline);
    await sql`create extension if not exists pageinspect schema public`.execute(db);
    // Every row version a non-HOT update makes gets an index entry (dead ones stay until vacuum).
    const indexEntries = async () =>
      Number(
        (
          await sql<{ n: string }>`select count(*) as n
              from public.bt_page_items('threads_by_updated', 1)`.execute(db)
        ).rows[0]?.n,
      );
    await threadline.threads.create({ id: "t1" });
    const writer = await threadline.writers.open("t1");
    await writer.write({ type: "text-start", id: "t" });
    const before = await indexEntries();
    for (let i = 0; i < 5; i++) {
      clock.advance(10);
      await writer.write({ type: "text-delta", id: "t", delta: "x" });
    }
    expect(await indexEntries()).toBe(before);
    clock.advance(SLACK);
    await writer.write({ type: "text-delta", id: "t", delta: "y" });
    expect(await indexEntries()).toBe(before + 1);
  });

  it("issue 9: migration 6 leaves 30 % of each threads page free for those in-place updates", async () => {
    const { threadline } = await openThreadline(postgres, {});
    const { rows } = await sql<{ options: string[] | null }>`select c.reloptions as options
      from pg_class c where c.oid = 'threads'::regclass`.execute(databaseOf(threadline));
    expect(rows[0]?.options).toEqual(["fillfactor=70"]);
  });
});
