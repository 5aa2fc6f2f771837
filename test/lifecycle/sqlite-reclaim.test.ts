/**
 * SQLite files give back the space compaction and thread deletions free (issue 8 item 3, R25,
 * R32): a new file is created with `auto_vacuum = INCREMENTAL` and each compaction step or deletion
 * batch hands its freed pages to the file system, so the file follows the data instead of keeping
 * its high-water mark. A file created before (no auto-vacuum) keeps working, its free pages reused.
 */
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline, SQLITE_WORKER } from "../support/backends.js";
import { moveAllRecentEvents } from "../support/inspect-store.js";

const SQLITE_BACKENDS = [BACKENDS.find((b) => b.name === "sqlite")!, SQLITE_WORKER];
const HORIZON_MS = 60_000;

/** Streams a reply of `deltas` committed deltas of 200 characters each (windowMs 0). */
async function longReply(threadline: Threadline, threadId: string, deltas: number): Promise<void> {
  const writer = await threadline.writers.open(threadId);
  await writer.write({ type: "text-start", id: "t" });
  for (let i = 0; i < deltas; i++) {
    await writer.write({ type: "text-delta", id: "t", delta: `${i} `.padEnd(200, "x") });
  }
  await writer.write({ type: "text-end", id: "t" });
  await writer.finish();
}

/** The file's pages and free pages, read on a second connection. */
function pagesOf(database: string): { pages: number; free: number; autoVacuum: number } {
  const file = new Database(filePath(database), { readonly: true });
  try {
    return {
      pages: file.pragma("page_count", { simple: true }) as number,
      free: file.pragma("freelist_count", { simple: true }) as number,
      autoVacuum: file.pragma("auto_vacuum", { simple: true }) as number,
    };
  } finally {
    file.close();
  }
}

/** The file of a `sqlite:PATH[?worker=1]` URL. */
function filePath(database: string): string {
  return database.slice("sqlite:".length).replace(/\?.*$/, "");
}

describe.each(SQLITE_BACKENDS)("SQLite space reclaim [$name]", (sqlite) => {
  it("R32: a new file is incremental auto-vacuum; compaction and a thread deletion shrink it, leaving no free pages", async () => {
    const database = await sqlite.freshDatabase({ shared: true });
    const { threadline, clock } = await openThreadline(sqlite, {
      database,
      windowMs: 0,
      compaction: { resumeHorizonMs: HORIZON_MS, batchRows: 100 },
    });
    const kept = await threadline.threads.create();
    const doomed = await threadline.threads.create();
    await longReply(threadline, kept.id, 600);
    await longReply(threadline, doomed.id, 600);
    const message = (await threadline.messages.list(kept.id)).messages[0];
    const full = pagesOf(database);
    expect(full.autoVacuum).toBe(2); // INCREMENTAL

    clock.advance(HORIZON_MS + 1);
    const report = await threadline.log.compact();
    expect(report.rows).toBe(1_204); // with each reply's text-start and text-end
    const compacted = pagesOf(database);
    expect(compacted).toMatchObject({ free: 0 });
    expect(compacted.pages).toBeLessThan(full.pages / 2);
    expect((await threadline.messages.list(kept.id)).messages[0]).toEqual(message);

    await threadline.threads.delete(doomed.id);
    const deleted = pagesOf(database);
    expect(deleted.free).toBe(0);
    expect(deleted.pages).toBeLessThan(compacted.pages);
  });

  it("R32: a file made before (no auto-vacuum) keeps its size and reuses the freed pages", async () => {
    const database = await sqlite.freshDatabase({ shared: true });
    const file = new Database(filePath(database));
    file.exec("create table made_before (x integer)"); // the file exists: no auto-vacuum for it
    file.close();
    const { threadline, clock } = await openThreadline(sqlite, {
      database,
      windowMs: 0,
      compaction: { resumeHorizonMs: HORIZON_MS },
    });
    const thread = await threadline.threads.create();
    await longReply(threadline, thread.id, 300);
    await moveAllRecentEvents(threadline.store); // the log at its full size (migration 7)
    const full = pagesOf(database);
    expect(full.autoVacuum).toBe(0);
    clock.advance(HORIZON_MS + 1);
    expect((await threadline.log.compact()).rows).toBe(302);
    const compacted = pagesOf(database);
    expect(compacted.pages).toBe(full.pages);
    expect(compacted.free).toBeGreaterThan(0);
    await longReply(threadline, thread.id, 100); // reuses free pages: the file does not grow
    expect(pagesOf(database).pages).toBe(full.pages);
  });
});
