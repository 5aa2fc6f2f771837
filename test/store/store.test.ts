import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { ThreadlineError } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import { createThreadline } from "../../src/threadline.js";
import { BACKENDS_WITH_WORKER as BACKENDS, openThreadline } from "../support/backends.js";
import { DATABASE_URL } from "../support/database-url.js";
import { logOf, textOf } from "../support/helpers.js";
import { SQLITE_URL_SUFFIXES } from "../support/sqlite-drivers.js";

for (const backend of BACKENDS) {
  describe(`store [${backend.name}]`, () => {
    it("R27: migrations are versioned and idempotent; a database newer than the code is refused", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const store = await openStore(database, "n1");
      expect(await store.migrate()).toEqual([
        "0001-initial-schema",
        "0002-inbound-runs",
        "0003-node-heartbeats",
        "0004-compaction-retention",
        "0005-deflated-payloads",
        "0006-threads-fillfactor",
        "0007-sqlite-recent-events",
        "0008-sqlite-message-epoch",
      ]);
      expect(await store.migrate()).toEqual([]);
      const db = (store as unknown as { driver: { db: import("kysely").Kysely<unknown> } }).driver
        .db;
      await sql`insert into threadline_migrations (name, timestamp) values ('9999-from-the-future', '2030-01-01')`.execute(
        db,
      );
      await store.close();
      await expect(createThreadline({ database })).rejects.toMatchObject({
        code: "schema_too_new",
        message: expect.stringContaining("9999-from-the-future"),
      });
    });

    it("R26, R27: nodes opening a new database at the same moment all start, on one migrated schema", async () => {
      // On PostgreSQL, `create schema if not exists` from two sessions at once fails one of them
      // with a unique violation (found when three `threadline serve` nodes started together).
      for (let round = 0; round < 3; round++) {
        const database = await backend.freshDatabase({ shared: true, uncreated: true });
        const nodes = await Promise.all(
          Array.from({ length: 4 }, () => createThreadline({ database, compaction: false })),
        );
        try {
          const thread = await nodes[0]!.threads.create();
          for (const node of nodes) expect((await node.threads.get(thread.id))?.id).toBe(thread.id);
        } finally {
          await Promise.all(nodes.map((node) => node.close()));
        }
      }
    });

    it("SPEC §1: every thread's log starts with thread.created at seq 1 and seqs are dense", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      const thread = await threadline.threads.create({ title: "t", metadata: { a: 1 } });
      expect(thread).toMatchObject({
        title: "t",
        metadata: { a: 1 },
        headSeq: 1,
        forkedFrom: null,
      });
      await threadline.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "q" }],
      });
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "a" });
      await writer.finish();
      await threadline.messages.delete(writer.id);
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(log.map((e) => e.type)).toEqual([
        "thread.created",
        "message.created",
        "message.created",
        "message.delta",
        "message.delta",
        "message.finished",
        "message.deleted",
      ]);
      expect((await threadline.threads.get(thread.id)).headSeq).toBe(7);
    });

    it("SPEC §1: ids are per workspace: a taken id conflicts in its workspace only", async () => {
      const { threadline } = await openThreadline(backend);
      await threadline.threads.create({ id: "shared-id" });
      await expect(threadline.threads.create({ id: "shared-id" })).rejects.toMatchObject({
        code: "conflict",
      });
      const other = threadline.workspace("other");
      await other.threads.create({ id: "shared-id", title: "theirs" });
      expect((await threadline.threads.get("shared-id")).title).toBeNull();
      expect((await other.threads.get("shared-id")).title).toBe("theirs");
      await threadline.messages.append("shared-id", { id: "m1", role: "user", parts: [] });
      await expect(
        threadline.messages.append("shared-id", { id: "m1", role: "user", parts: [] }),
      ).rejects.toMatchObject({ code: "conflict" });
      await expect(
        threadline.messages.append("missing-thread", { role: "user", parts: [] }),
      ).rejects.toMatchObject({ code: "not_found" });
    });

    it("threads are listed newest first in pages", async () => {
      const { threadline, clock } = await openThreadline(backend);
      for (let i = 0; i < 5; i++) {
        await threadline.threads.create({ id: `t${i}` });
        clock.advance(1);
      }
      const first = await threadline.threads.list({ limit: 2 });
      expect(first.threads.map((t) => t.id)).toEqual(["t4", "t3"]);
      const second = await threadline.threads.list({ limit: 2, cursor: first.nextCursor! });
      expect(second.threads.map((t) => t.id)).toEqual(["t2", "t1"]);
      const third = await threadline.threads.list({ limit: 2, cursor: second.nextCursor! });
      expect(third).toEqual({ threads: [expect.objectContaining({ id: "t0" })], nextCursor: null });
      await expect(threadline.threads.list({ limit: 0 })).rejects.toMatchObject({
        code: "bad_request",
      });
      await expect(threadline.threads.list({ cursor: "garbage" })).rejects.toMatchObject({
        code: "bad_request",
      });
    });

    it("R8: reads in the writing process include buffered chunks; other readers see committed state", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline } = await openThreadline(backend, { database, windowMs: 3_600_000 });
      const { threadline: reader } = await openThreadline(backend, { database });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "buffered" });
      expect(textOf(await threadline.messages.get(writer.id))).toBe("buffered");
      expect(textOf(writer.message)).toBe("buffered");
      const listed = await threadline.messages.list(thread.id);
      expect(listed.messages.map(textOf)).toEqual(["buffered"]);
      expect(textOf(await reader.messages.get(writer.id))).toBe("");
      await writer.flush();
      expect(textOf(await reader.messages.get(writer.id))).toBe("buffered");
    });

    it("R9: a streaming message is materialized from its last body plus the deltas logged after it", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline, clock } = await openThreadline(backend, { database, windowMs: 33 });
      const { threadline: reader } = await openThreadline(backend, { database });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      let expected = "";
      let bodyRewrites = 0;
      let revisionBefore = 0;
      // 80 KiB of text in 40-character deltas, 2 s of fake time per tick to allow rewrites.
      for (let i = 0; i < 2_000; i++) {
        const delta = `${String(i).padStart(6, "0")} the quick brown fox jumps over `;
        expected += delta;
        await writer.write({ type: "text-delta", id: "t", delta });
        if (i % 50 === 49) {
          clock.advance(2_000);
          await threadline.idle();
          const body = await sql<{
            revision: number;
          }>`select revision from message_bodies where message_id = ${writer.id}`.execute(
            (threadline.store as unknown as { driver: { db: import("kysely").Kysely<unknown> } })
              .driver.db,
          );
          const revision = Number(body.rows[0]?.revision);
          if (revision !== revisionBefore) bodyRewrites += 1;
          revisionBefore = revision;
          expect(textOf(await reader.messages.get(writer.id))).toBe(expected);
        }
      }
      // 40 ticks; rewrites need 16 KiB and the last body's size in new deltas: geometric, few.
      expect(bodyRewrites).toBeGreaterThanOrEqual(2);
      expect(bodyRewrites).toBeLessThanOrEqual(6);
      await writer.finish();
      expect(textOf(await reader.messages.get(writer.id))).toBe(expected);
    });

    it("R26: the store reports its capabilities instead of its dialect being checked", async () => {
      const { threadline } = await openThreadline(backend);
      expect(threadline.store.capabilities).toEqual(
        backend.name === "postgres"
          ? { dialect: "postgres", crossProcessNotify: true, skipLocked: true, recentEvents: false }
          : { dialect: "sqlite", crossProcessNotify: false, skipLocked: false, recentEvents: true },
      );
    });
  });
}

describe("database URLs", () => {
  it.each(SQLITE_URL_SUFFIXES)(
    "[%s] a SQLite file that cannot be opened is `unavailable`, naming the path (was better-sqlite3's bare TypeError)",
    async (_name, query) => {
      const path = join(tmpdir(), `threadline-no-dir-${process.pid}`, "t.db");
      const opening = createThreadline({ database: `sqlite:${path}${query}` });
      await expect(opening).rejects.toBeInstanceOf(ThreadlineError);
      await expect(opening).rejects.toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(
          new RegExp(`^cannot open the SQLite database ${path}: .*directory does not exist`),
        ),
      });
    },
  );

  it.each([
    ["a refused connection", "port", "1", /ECONNREFUSED/],
    ["an unknown role", "username", "threadline_no_such_role", /role/],
    ["an unknown database", "pathname", "/threadline_no_such_db", /database/],
  ] as const)(
    "PostgreSQL: %s is `unavailable: cannot connect to the database` with the driver's reason (was `internal: database migration failed`)",
    async (_name, field, value, reason) => {
      const url = new URL(DATABASE_URL);
      url[field] = value;
      const opening = createThreadline({ database: url.toString() });
      await expect(opening).rejects.toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(/^cannot connect to the database: /),
      });
      await expect(opening).rejects.toThrow(reason);
    },
  );

  it("rejects unsupported URLs with a clear error", async () => {
    await expect(openStore("mysql://x", "n")).rejects.toMatchObject({ code: "bad_request" });
    await expect(openStore("sqlite:", "n")).rejects.toMatchObject({ code: "bad_request" });
    await expect(openStore("postgres://127.0.0.1/test?schema=bad-name", "n")).rejects.toMatchObject(
      {
        code: "bad_request",
      },
    );
  });
});
