import { statSync } from "node:fs";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  SQLITE_AUTOCHECKPOINT_PAGES,
} from "../../src/store/sqlite/checkpointer.js";
import {
  closeAfterTest,
  closeOpenedDrivers,
  openOnNewFile,
  SQLITE_DRIVERS,
  type SqliteDriver,
} from "../support/sqlite-drivers.js";

afterEach(closeOpenedDrivers);

async function autoCheckpoint(driver: SqliteDriver): Promise<number> {
  const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(
    driver.db,
  );
  return rows[0]?.wal_autocheckpoint ?? Number.NaN;
}

/** Polls `check` every 20 ms until it holds (a thread's interval is real time, not a fake clock). */
async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(SQLITE_DRIVERS)("the WAL checkpointer thread [$name] (issue 9)", ({ open }) => {
  it("copies committed pages into the database file while the writer, checkpointing only past its backstop, never does", async () => {
    const { path, driver } = await openOnNewFile(open);
    expect(await autoCheckpoint(driver)).toBe(BACKSTOP_AUTOCHECKPOINT_PAGES);
    await sql`create table items (id integer primary key, body blob)`.execute(driver.db);
    const before = statSync(path).size;
    // ~2 000 pages of 4 KiB: twice what the writer would checkpoint by itself at SQLite's default.
    for (let i = 0; i < 8; i++) {
      await sql`insert into items (body) values (zeroblob(1000000))`.execute(driver.db);
    }
    await eventually(() => statSync(path).size >= before + 8_000_000);
  });

  it("when the checkpointer dies, the writer checkpoints on its own again (SQLite's 1 000 pages); close() ends the thread", async () => {
    const { driver } = await openOnNewFile(open);
    const checkpointer = driver.checkpointer;
    if (!checkpointer) throw new Error("a file has a checkpointer");
    await checkpointer.worker.terminate();
    await expect.poll(() => autoCheckpoint(driver)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);

    const other = await openOnNewFile(open);
    const exited = new Promise((resolve) =>
      other.driver.checkpointer?.worker.once("exit", resolve),
    );
    await other.driver.close();
    await exited;
  });

  it("an in-memory database has none", async () => {
    const driver = await open(":memory:");
    closeAfterTest(driver);
    expect(driver.checkpointer).toBeUndefined();
  });
});
