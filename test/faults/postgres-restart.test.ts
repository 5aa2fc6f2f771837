import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTransientStoreError } from "../../src/store/transient-errors.js";
import { createThreadline, type Threadline } from "../../src/threadline.js";
import { logOf, textOf } from "../support/helpers.js";
import { type OwnPostgres, startOwnPostgres } from "../support/own-postgres.js";

const STREAMS = 20;
const DELTA_EVERY_MS = 20;

let server: OwnPostgres;
let threadline: Threadline | undefined;

beforeAll(async () => {
  server = await startOwnPostgres();
}, 60_000);

afterAll(async () => {
  await threadline?.close().catch(() => {});
  server?.stop();
});

describe("PostgreSQL restarted mid-stream (issue 7; R6, R12, R30)", () => {
  it("R30: every accepted chunk is stored once, no message fails, streams go on, and a viewer sees every message finish", async () => {
    threadline = await createThreadline({ database: server.url, windowMs: 33 });
    const felt: unknown[] = [];
    threadline.events.on("writer:error", ({ error }) => felt.push(error));
    const poisoned: string[] = [];
    threadline.events.on("writer:poisoned", ({ messageId }) => poisoned.push(messageId));

    const threads = [];
    for (let i = 0; i < STREAMS; i++) threads.push(await threadline.threads.create());
    const subscription = threadline.subscribe(threads[0]!.id, { after: 0 });
    const viewer = subscription[Symbol.asyncIterator]();
    const writers = await Promise.all(threads.map((t) => threadline!.writers.open(t.id)));
    await Promise.all(writers.map((w) => w.write({ type: "text-start", id: "t" })));

    let restarting = true;
    const accepted = writers.map(() => [] as string[]);
    const producers = writers.map(async (writer, i) => {
      // Stream until well after the restart, a delta every 20 ms.
      for (let n = 0; restarting || n < 150; n++) {
        const delta = `${n},`;
        await writer.write({ type: "text-delta", id: "t", delta });
        accepted[i]!.push(delta);
        await new Promise((resolve) => setTimeout(resolve, DELTA_EVERY_MS));
      }
      await writer.write({ type: "text-end", id: "t" }); // structural: waits out the outage
      await writer.finish();
    });

    await new Promise((resolve) => setTimeout(resolve, 500));
    const restartStarted = Date.now();
    await server.restart();
    const restartMs = Date.now() - restartStarted;
    restarting = false;
    await Promise.all(producers);
    await threadline.flushAll();

    // The restart was felt (commits failed as an outage), and nothing was blamed on a message.
    expect(felt.length).toBeGreaterThan(0);
    expect(felt.every(isTransientStoreError)).toBe(true);
    expect(poisoned).toEqual([]);
    for (const [i, writer] of writers.entries()) {
      const stored = await threadline.messages.get(writer.id);
      expect(stored?.status).toBe("completed");
      const text = textOf(stored!);
      expect(text).toBe(accepted[i]!.join(""));
      const log = await logOf(threadline.store, "default", threads[i]!.id);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, k) => k + 1)); // dense, no duplicate
      expect(log.filter((e) => e.type === "message.finished")).toHaveLength(1);
    }
    // A viewer subscribed through the restart (its LISTEN connection was cut too) sees the end.
    const deadline = Date.now() + 10_000;
    let finished = false;
    while (!finished && Date.now() < deadline) {
      const next = await viewer.next();
      if (next.done) break;
      finished = next.value.type === "message.finished";
    }
    expect(finished).toBe(true);
    subscription.close();
    console.log(
      `PostgreSQL restart: ${restartMs} ms; ${felt.length} failed commits retried; ${STREAMS} streams, ` +
        `${accepted.reduce((n, a) => n + a.length, 0)} deltas accepted, every one stored once`,
    );
  }, 60_000);
});
