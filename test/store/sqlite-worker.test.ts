import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { UIMessageChunk } from "../../src/message/types.js";
import { KyselyStore } from "../../src/store/kysely-store.js";
import { openStore } from "../../src/store/open-store.js";
import { executeBatch, executePipelined } from "../../src/store/queries/batch.js";
import {
  openSqliteWorkerDriver,
  type SqliteWorkerStoreDriver,
} from "../../src/store/sqlite-worker/sqlite-worker-store-driver.js";
import type { WorkerRequest } from "../../src/store/sqlite-worker/worker-protocol.js";
import { WorkerThread } from "../../src/store/sqlite-worker/worker-thread.js";
import { isTransientStoreError, SQLITE_WORKER_EXITED } from "../../src/store/transient-errors.js";
import { openThreadline, SQLITE_WORKER } from "../support/backends.js";
import { drive, logOf } from "../support/helpers.js";
import { temporaryDirectory } from "../support/temporary-directory.js";

const drivers: SqliteWorkerStoreDriver[] = [];

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close().catch(() => {})));
});

async function tempFile(): Promise<string> {
  return join(await temporaryDirectory("threadline-worker-"), "threadline.db");
}

/** A migrated worker-backed store on `path`, its driver exposed for the crash hooks. */
async function openDriver(
  path: string,
): Promise<{ driver: SqliteWorkerStoreDriver; store: KyselyStore }> {
  const driver = await openSqliteWorkerDriver(path);
  drivers.push(driver);
  const store = new KyselyStore(driver);
  await store.migrate();
  return { driver, store };
}

/** Makes the current worker die the way `how` says (the worker's test hook). */
function crash(
  driver: SqliteWorkerStoreDriver,
  how: "exit" | "throw" | "exit-after-commit",
): Worker {
  const worker = driver.worker;
  if (!worker) throw new Error("no worker is running");
  worker.postMessage({ op: "crash", id: 0, how } satisfies WorkerRequest);
  return worker as unknown as Worker;
}

type Worker = NonNullable<SqliteWorkerStoreDriver["worker"]>;

function threadInput(id: string) {
  return { id, title: null, metadata: null };
}

/** Resolves when `worker` has exited (however it died). */
function exitOf(worker: Worker): Promise<number> {
  return new Promise((resolve) => worker.once("exit", resolve));
}

/** The text of every text delta a thread's log carries, in log order. */
async function loggedText(store: KyselyStore, threadId: string): Promise<string> {
  const chunks: UIMessageChunk[] = [];
  for (const event of await logOf(store, "default", threadId)) {
    if (event.type === "message.delta") chunks.push(...event.data.chunks);
    if (event.type === "message.finished") chunks.push(...event.data.chunks);
  }
  return chunks.map((c) => (c.type === "text-delta" ? c.delta : "")).join("");
}

function expectOutage(error: unknown): void {
  expect(error).toMatchObject({ code: "unavailable" });
  expect((error as Error).cause).toMatchObject({ code: SQLITE_WORKER_EXITED });
  expect(isTransientStoreError(error)).toBe(true);
}

describe("SQLite in a worker thread (issue 9)", () => {
  it("R30: a worker killed mid-stream (terminate) is an outage to writers: changes stay buffered, a new worker takes the retry, and every accepted chunk is stored exactly once", async () => {
    const path = await tempFile();
    const { driver, store } = await openDriver(path);
    const { threadline, clock } = await openThreadline(SQLITE_WORKER, {
      database: `sqlite:${path}?worker=1`,
      store,
    });
    const errors: unknown[] = [];
    threadline.events.on("writer:error", ({ error }) => errors.push(error));
    const thread = await threadline.threads.create();
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    const accepted: string[] = [];
    // Each round kills the worker a different number of event-loop turns into a commit: before its
    // first statement, between statements, around the commit itself.
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 5; i++) {
        const delta = `r${round}c${i} `;
        await writer.write({ type: "text-delta", id: "t", delta });
        accepted.push(delta);
      }
      const flushed = writer.flush();
      for (let turn = 0; turn < round; turn++) await new Promise((r) => setImmediate(r));
      await driver.worker?.terminate();
      await drive(clock, flushed, 250, 10_000);
    }
    await writer.write({ type: "text-end", id: "t" });
    await drive(clock, writer.finish(), 250, 10_000);

    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expectOutage(error);
    expect(await loggedText(store, thread.id)).toBe(accepted.join(""));
    expect((await threadline.messages.get(writer.id))?.status).toBe("completed");
  });

  it("a worker that exits or throws fails the statement waiting on it with a transient `unavailable`; the next statement runs on a new worker over the same file", async () => {
    const { driver, store } = await openDriver(await tempFile());
    const { thread } = await store.createThread("default", threadInput("t1"), 1);
    for (const how of ["exit", "throw"] as const) {
      const worker = crash(driver, how);
      const exited = exitOf(worker);
      const waiting = store.getThread("default", thread.id); // queued behind the crash
      await expect(waiting).rejects.toSatisfy((error) => {
        expectOutage(error);
        return true;
      });
      await exited;
      expect(await store.getThread("default", thread.id)).toMatchObject(threadInput("t1"));
      expect(driver.worker).toBeDefined();
      expect(driver.worker).not.toBe(worker);
    }
  });

  it("a commit whose reply the crash swallowed is decided by its marker: committed work succeeds once, work not committed fails", async () => {
    const { driver, store } = await openDriver(await tempFile());
    await sql`create table items (id integer primary key)`.execute(driver.db);
    crash(driver, "exit-after-commit");
    await driver.db.transaction().execute(async (trx) => {
      await sql`insert into items (id) values (1)`.execute(trx);
    });
    const lost = driver.db.transaction().execute(async (trx) => {
      await sql`insert into items (id) values (2)`.execute(trx);
      await driver.worker?.terminate();
      await sql`insert into items (id) values (3)`.execute(trx);
    });
    await expect(lost).rejects.toSatisfy((error) => {
      expectOutage(error);
      return true;
    });
    const { rows } = await sql<{ id: number }>`select id from items order by id`.execute(driver.db);
    expect(rows).toEqual([{ id: 1 }]);
    expect(await store.ping()).toBeUndefined();
  });

  it("close() lets the statements queued before it finish, then closes; later statements fail with `closed`", async () => {
    const { driver, store } = await openDriver(await tempFile());
    const created = Array.from({ length: 20 }, (_, i) =>
      store.createThread("default", threadInput(`t${i}`), i),
    );
    const closed = driver.close();
    await expect(Promise.all(created)).resolves.toHaveLength(20);
    await closed;
    expect(driver.worker).toBeUndefined();
    await expect(store.getThread("default", "t0")).rejects.toMatchObject({ code: "closed" });
  });

  it("R30: a closed Threadline has written every accepted chunk (reopened on the in-thread driver)", async () => {
    const path = await tempFile();
    const { threadline } = await openThreadline(SQLITE_WORKER, {
      database: `sqlite:${path}?worker=1`,
    });
    const thread = await threadline.threads.create();
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    await writer.write({ type: "text-delta", id: "t", delta: "kept " });
    await writer.write({ type: "text-delta", id: "t", delta: "at close" });
    await threadline.close();
    const reopened = await openStore(`sqlite:${path}`, "check");
    try {
      expect(await loggedText(reopened as KyselyStore, thread.id)).toBe("kept at close");
    } finally {
      await reopened.close();
    }
  });

  it("R30: errors keep their SQLite codes across the thread: a constraint is the data's fault, a full database an outage (and its rollback does not hide it)", async () => {
    const { driver } = await openDriver(await tempFile());
    await sql`create table items (id integer primary key, body blob)`.execute(driver.db);
    await sql`insert into items (id) values (1)`.execute(driver.db);
    const duplicate = await sql`insert into items (id) values (1)`.execute(driver.db).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(duplicate).toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    expect(isTransientStoreError(duplicate)).toBe(false);

    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(driver.db);
    await sql.raw(`pragma max_page_count = ${rows[0]!.page_count + 2}`).execute(driver.db);
    const full = await driver.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into items (id, body) values (2, zeroblob(1000000))`.execute(trx);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(full).toMatchObject({ code: "SQLITE_FULL" });
    expect(isTransientStoreError(full)).toBe(true);
    const left = await sql<{ n: number }>`select count(*) as n from items`.execute(driver.db);
    expect(left.rows).toEqual([{ n: 1 }]);
  });

  it("R5, R10: a tick's writes pipelined into its commit's round trip: when one fails, the commit fails with its error and nothing of the transaction is stored", async () => {
    const { driver } = await openDriver(await tempFile());
    await sql`create table items (id integer primary key)`.execute(driver.db);
    const failed = await driver.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into items (id) values (1)`.execute(trx);
        await executePipelined(trx, [
          sql`insert into items (id) values (2)`.compile(trx),
          sql`insert into items (id) values (1)`.compile(trx), // a duplicate key
          sql`insert into items (id) values (3)`.compile(trx),
        ]);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failed).toMatchObject({ code: "SQLITE_CONSTRAINT_PRIMARYKEY" });
    const left = await sql<{ n: number }>`select count(*) as n from items`.execute(driver.db);
    expect(left.rows).toEqual([{ n: 0 }]);

    await driver.db.transaction().execute(async (trx) => {
      await executePipelined(trx, [sql`insert into items (id) values (4)`.compile(trx)]);
    });
    const [batched, empty] = await executeBatch(driver.db, [
      sql`select id from items`.compile(driver.db),
      sql`delete from items where id = 99`.compile(driver.db),
    ]);
    expect(batched?.rows).toEqual([{ id: 4 }]);
    expect(empty?.numAffectedRows).toBe(0n);
  });

  it("R26: a pipelined BEGIN that fails (the write lock is busy) fails the statements after it instead of letting them run outside a transaction; the rollback clears it", async () => {
    const path = await tempFile();
    const { driver } = await openDriver(path);
    await sql`create table items (id integer primary key)`.execute(driver.db);
    const blocker = new BetterSqlite3(path);
    const thread = new WorkerThread(
      { path, busyTimeoutMs: 20, maxStatements: 8, markerTable: null },
      () => new Error("exited"),
    );
    try {
      await thread.ready;
      blocker.exec("begin immediate");
      void thread.request({ op: "begin", id: 0, pipelined: true }).catch(() => {});
      const insert = { op: "query", id: 0, sql: "insert into items (id) values (1)", params: [] };
      await expect(thread.request({ ...insert } as WorkerRequest)).rejects.toMatchObject({
        code: "SQLITE_BUSY",
      });
      await expect(
        thread.request({ op: "commit", id: 0, driver: "d", txn: 1 }),
      ).rejects.toMatchObject({ code: "SQLITE_BUSY" });
      blocker.exec("commit");
      await thread.request({ op: "rollback", id: 0 });
      const count = { op: "query", id: 0, sql: "select count(*) as n from items", params: [] };
      expect(await thread.request({ ...count } as WorkerRequest)).toMatchObject({
        rows: [{ n: 0 }],
      });
      await thread.request({ ...insert } as WorkerRequest);
      expect(await thread.request({ ...count } as WorkerRequest)).toMatchObject({
        rows: [{ n: 1 }],
      });
    } finally {
      blocker.close();
      await thread.terminate();
    }
  });

  it("sqlite::memory:?worker=1: a crash loses the database, so every later statement fails with a clear permanent error instead of a restart", async () => {
    const { driver, store } = await openDriver(":memory:");
    await store.createThread("default", threadInput("t1"), 1);
    const worker = driver.worker!;
    const exited = exitOf(worker);
    await worker.terminate();
    await exited;
    for (let i = 0; i < 2; i++) {
      const error = await store.getThread("default", "t1").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: "internal" });
      expect((error as Error).message).toMatch(/in-memory SQLite database was lost/);
      expect(isTransientStoreError(error)).toBe(false);
    }
    expect(driver.worker).toBeUndefined();
  });

  it("sqlite:PATH?worker=1 options: the path ends at the first `?`; unknown options and values are refused", async () => {
    const path = await tempFile();
    const store = await openStore(`sqlite:${path}?worker=1`, "n");
    await store.migrate();
    await store.close();
    const inThread = await openStore(`sqlite:${path}?worker=0`, "n");
    expect(await inThread.migrate()).toEqual([]);
    await inThread.close();
    await expect(openStore(`sqlite:${path}?worker=yes`, "n")).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(openStore(`sqlite:${path}?mode=ro`, "n")).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/unknown sqlite: option "mode"/),
    });
    await expect(openStore("sqlite:?worker=1", "n")).rejects.toMatchObject({
      code: "bad_request",
    });
    // Opening fails at open, with the error the in-thread driver gives.
    const missing = "sqlite:/nonexistent-dir/x.db";
    const inThreadError = await openStore(missing, "n").then(
      () => undefined,
      (error: Error) => error,
    );
    expect(inThreadError).toBeInstanceOf(Error);
    await expect(openStore(`${missing}?worker=1`, "n")).rejects.toMatchObject({
      name: inThreadError?.name,
      message: inThreadError?.message,
    });
  });
});
