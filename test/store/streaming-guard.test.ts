/**
 * The R15 guard of a writer tick skipped on SQLite for messages an earlier tick found streaming
 * (issue 9, `ThreadHeads.streamingGuard`, migration 8's `message_epoch`): a message finalized or
 * deleted by anything but the tick itself — a statement of this connection outside any tick,
 * another connection on the file, a delete — still refuses the stream writes that follow (R15, R8),
 * and the skip is in use while nothing else changed a message.
 */
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ThreadHeads } from "../../src/store/sqlite/thread-heads.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf } from "../support/helpers.js";
import { databaseOf } from "../support/inspect-store.js";

const SQLITE = BACKENDS.find((b) => b.name === "sqlite")!;

afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts the stream writes whose guard read was skipped (the message known streaming). */
function countSkippedGuards(): { skipped: number } {
  const counter = { skipped: 0 };
  const original = ThreadHeads.prototype.streamingGuard;
  vi.spyOn(ThreadHeads.prototype, "streamingGuard").mockImplementation(async function (
    this: ThreadHeads,
    db,
  ) {
    const guard = await original.call(this, db);
    if (!guard) return guard;
    return {
      ...guard,
      verified: (key: string, threadId: string) => {
        const known = guard.verified(key, threadId);
        if (known) counter.skipped += 1;
        return known;
      },
    };
  });
  return counter;
}

/** A writer streaming a text part, a tick per delta (windowMs 0), `deltas` deltas in. */
async function streaming(threadline: Threadline, deltas: number) {
  const thread = await threadline.threads.create({ id: "t1" });
  const writer = await threadline.writers.open(thread.id);
  await writer.write({ type: "text-start", id: "t" });
  for (let i = 0; i < deltas; i++) await writer.write({ type: "text-delta", id: "t", delta: "a" });
  await writer.flush();
  return writer;
}

/** The `message.delta` events of a message in the log. */
async function deltasOf(threadline: Threadline, messageId: string) {
  const log = await logOf(threadline.store, "default", "t1");
  return log.filter((e) => e.type === "message.delta" && e.messageId === messageId);
}

describe("the R15 guard skipped for messages known streaming [sqlite]", () => {
  it("is skipped for a message earlier ticks found streaming, while nothing else changed a message", async () => {
    const counter = countSkippedGuards();
    const { threadline } = await openThreadline(SQLITE, { windowMs: 0 });
    const writer = await streaming(threadline, 5);
    expect(counter.skipped).toBeGreaterThanOrEqual(4); // every tick after the first
    await writer.finish();
    expect((await threadline.messages.get(writer.id)).status).toBe("completed");
  });

  it("stays skipped after the writer's own ticks finish other messages (they count their own status changes)", async () => {
    const counter = countSkippedGuards();
    const { threadline } = await openThreadline(SQLITE, { windowMs: 0 });
    const first = await streaming(threadline, 2);
    const second = await threadline.writers.open("t1");
    await second.write({ type: "text-start", id: "t" });
    await second.write({ type: "text-delta", id: "t", delta: "b" });
    await second.flush();
    await first.finish(); // a tick that finalizes a message: message_epoch + 1
    counter.skipped = 0;
    for (let i = 0; i < 3; i++) await second.write({ type: "text-delta", id: "t", delta: "b" });
    await second.flush();
    expect(counter.skipped).toBe(3);
    await second.finish();
  });

  for (const [how, finalize] of [
    [
      "a statement of the same connection outside any tick",
      async (threadline: Threadline, messageId: string) => {
        await sql`update messages set status = 'aborted' where id = ${messageId}`.execute(
          databaseOf(threadline.store),
        );
      },
    ],
    [
      "another connection on the file",
      async (_threadline: Threadline, messageId: string, path: string) => {
        const other = new Database(path);
        try {
          other.prepare("update messages set status = 'aborted' where id = ?").run(messageId);
        } finally {
          other.close();
        }
      },
    ],
  ] as const) {
    it(`R15: a message known streaming, then finalized by ${how}, takes no more stream writes`, async () => {
      const counter = countSkippedGuards();
      const database = await SQLITE.freshDatabase({ shared: true });
      const { threadline } = await openThreadline(SQLITE, { database, windowMs: 0 });
      const writer = await streaming(threadline, 3);
      expect(counter.skipped).toBeGreaterThan(0); // the message is known streaming
      const before = (await deltasOf(threadline, writer.id)).length;
      await finalize(threadline, writer.id, database.slice("sqlite:".length));
      await writer.write({ type: "text-delta", id: "t", delta: "late" }).catch(() => {});
      await writer.flush().catch(() => {});
      expect((await deltasOf(threadline, writer.id)).length).toBe(before);
      expect((await threadline.store.getMessage("default", writer.id))?.status).toBe("aborted");
      expect(writer.closed).toBe(true);
    });
  }

  it("R8: a message known streaming, then deleted, takes no more stream writes", async () => {
    const { threadline } = await openThreadline(SQLITE, { windowMs: 0 });
    const writer = await streaming(threadline, 3);
    await threadline.messages.delete(writer.id);
    await writer.write({ type: "text-delta", id: "t", delta: "late" }).catch(() => {});
    await writer.flush().catch(() => {});
    expect(await threadline.store.getMessage("default", writer.id)).toBeUndefined();
    const log = await logOf(threadline.store, "default", "t1");
    expect(log.at(-1)?.type).toBe("message.deleted");
  });
});
