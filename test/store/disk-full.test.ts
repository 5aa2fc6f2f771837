import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { drive, textOf } from "../support/helpers.js";

const sqlite = BACKENDS.find((b) => b.name === "sqlite")!;
const mounts: string[] = [];

/**
 * A real, tiny file system (tmpfs of `size`), so SQLite meets a genuinely full disk. Needs root
 * (CI and the dev machine run as root); anything else fails the test with the reason, never skips.
 */
async function tinyFileSystem(size: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "threadline-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir]);
  } catch (error) {
    throw new Error(`this test mounts a tmpfs to fill a disk and needs root: ${String(error)}`);
  }
  mounts.push(dir);
  return dir;
}

/** Writes zeros into `path` until the file system is full; returns the bytes written. */
async function fillDisk(path: string): Promise<number> {
  const file = await open(path, "w");
  const block = Buffer.alloc(16 * 1024);
  let written = 0;
  try {
    for (;;) {
      const { bytesWritten } = await file.write(block);
      written += bytesWritten;
      if (bytesWritten < block.length) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    await file.close();
  }
  return written;
}

afterEach(async () => {
  for (const dir of mounts.splice(0)) {
    execFileSync("umount", ["-l", dir]);
    await rm(dir, { recursive: true, force: true });
  }
});

describe("a full disk under SQLite (R6, R30)", () => {
  it("R30: commits fail as an outage, not poison: producers wait, then get `unavailable` naming the full disk; once space is back every accepted chunk is written and the file is intact", async () => {
    const dir = await tinyFileSystem("16m");
    const file = join(dir, "threadline.db");
    const { threadline, clock } = await openThreadline(sqlite, {
      database: `sqlite:${file}`,
      unavailableAfterMs: 2_000,
    });
    const thread = await threadline.threads.create();
    const writer = await threadline.writers.open(thread.id);
    await writer.write({ type: "text-start", id: "t" });
    await writer.write({ type: "text-delta", id: "t", delta: "before " });
    await writer.flush();

    const filler = join(dir, "filler");
    await fillDisk(filler);
    const poisoned: string[] = [];
    threadline.events.on("writer:poisoned", ({ messageId }) => poisoned.push(messageId));
    // Enough text (1 MB) that the commit needs more than the write-ahead log file already holds,
    // so it must grow onto a disk that has no room left.
    const accepted: string[] = [];
    for (let i = 0; i < 1_000; i++) {
      const delta = `${String(i).padStart(4, "0")}${"x".repeat(1_000)} `;
      await writer.write({ type: "text-delta", id: "t", delta });
      accepted.push(delta);
    }
    const flushed = writer.flush().then(
      () => "committed",
      (error: unknown) => error,
    );
    const outcome = await drive(clock, flushed, 250, 10_000);
    expect(outcome).toMatchObject({ code: "unavailable" });
    expect((outcome as Error).message).toMatch(/disk is full/);
    expect(poisoned).toEqual([]); // a full disk is never the message's fault

    await rm(filler);
    // The commits after the outage may still meet a full disk for a moment (the checkpointer copies
    // the WAL into the file as it grows): a producer just waits for the retry.
    await drive(clock, writer.flush(), 250, 10_000);
    await drive(
      clock,
      (async () => {
        await writer.write({ type: "text-end", id: "t" });
        await writer.finish();
      })(),
      250,
      10_000,
    );
    const stored = await threadline.messages.get(writer.id);
    expect(stored?.status).toBe("completed");
    expect(textOf(stored!)).toBe(`before ${accepted.join("")}`);
    await threadline.close();
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma("integrity_check", { simple: true })).toBe("ok");
    } finally {
      check.close();
    }
  });
});
