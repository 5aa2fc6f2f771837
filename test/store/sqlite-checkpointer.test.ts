import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
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
  SQLITE_URL_SUFFIXES,
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

const LIBRARY = fileURLToPath(new URL("../../src/index.ts", import.meta.url));

describe("closing a Threadline on a SQLite file", () => {
  it.each(SQLITE_URL_SUFFIXES)(
    "[%s] ends in a process with nothing else to do: close() resolves and the process exits 0 (it used to exit 13 with close() pending, the checkpointer thread unreferenced)",
    async (_name, query) => {
      const dir = mkdtempSync(join(tmpdir(), "threadline-close-"));
      try {
        const script = [
          `import { createThreadline } from ${JSON.stringify(LIBRARY)};`,
          `const threadline = await createThreadline({ database: ${JSON.stringify(`sqlite:${join(dir, "t.db")}${query}`)} });`,
          "await threadline.close();",
          'console.log("closed");',
        ].join("\n");
        // A script file: `--eval` with `--input-type` would pass that flag on to the worker threads.
        const file = join(dir, "close.mjs");
        writeFileSync(file, script);
        const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
          timeout: 15_000,
        });
        expect(stdout.trim()).toBe("closed");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
