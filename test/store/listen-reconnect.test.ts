import pg from "pg";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { systemClock } from "../../src/clock.js";
import { createMetrics } from "../../src/http/metrics.js";
import { channelFor } from "../../src/store/postgres/postgres-notify.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { waitFor } from "../http/support.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { DATABASE_URL } from "../support/database-url.js";
import { gate, logOf } from "../support/helpers.js";

/** Terminates the LISTEN connection(s) of `schema`'s channel; returns how many were ended. */
async function terminateListeners(schema: string): Promise<number> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      `select pg_terminate_backend(pid) as ended from pg_stat_activity
       where query ilike 'listen %' and query like $1 and pid <> pg_backend_pid()`,
      [`%${channelFor(schema)}%`],
    );
    return rows.filter((row) => row.ended).length;
  } finally {
    await admin.end();
  }
}

/** Reads the next item, failing after `timeoutMs` instead of hanging. */
async function nextWithin<T>(iterator: AsyncIterator<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([iterator.next(), timeout]);
    if (result.done) throw new Error("the subscription ended");
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

describe("LISTEN reconnect (R12, R26, PostgreSQL)", () => {
  const postgres = BACKENDS.find((b) => b.name === "postgres")!;

  it("a node whose LISTEN connection is terminated reconnects and its subscriber receives everything committed in the gap, message.finished included, once and in order", async () => {
    const database = await postgres.freshDatabase();
    const schema = new URL(database).searchParams.get("schema")!;
    const a = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-a" });
    const b = await openThreadline(postgres, { database, clock: systemClock, nodeId: "node-b" });
    const lost: unknown[] = [];
    const restored: { gapMs: number; at: number }[] = [];
    b.threadline.events.on("lifecycle:listen-lost", ({ error }) => lost.push(error));
    b.threadline.events.on("lifecycle:listen-restored", ({ gapMs }) =>
      restored.push({ gapMs, at: Date.now() }),
    );
    const { registry } = createMetrics(b.threadline);
    // Created on B, so no notification of A's is pending on B when its connection is cut.
    await b.threadline.threads.create({ id: "t1" });
    const viewerOnB = b.threadline.subscribe("t1")[Symbol.asyncIterator]();
    const snapshot = await nextWithin(viewerOnB, 5_000);
    expect(snapshot.type).toBe("snapshot");

    // Hold every new LISTEN until the gate opens, so the whole message falls inside the gap.
    const held = gate();
    const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const spy = vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      if (typeof args[0] === "string" && args[0].startsWith("listen ")) {
        return held.promise.then(() => query.apply(this, args));
      }
      return query.apply(this, args);
    } as never);
    onTestFinished(() => spy.mockRestore());
    expect(await terminateListeners(schema)).toBeGreaterThanOrEqual(1);
    await waitFor(() => lost.length === 1, 5_000, "node B to notice the lost connection");
    // Node A commits a whole message while B cannot hear it.
    const writer = await a.threadline.writers.open("t1");
    await writer.write({ type: "start" });
    await writer.write({ type: "text-start", id: "t" });
    await writer.write({ type: "text-delta", id: "t", delta: "inside the gap" });
    await writer.write({ type: "text-end", id: "t" });
    await writer.finish();
    await a.threadline.flushAll();
    const finishedAt = Date.now();
    expect(restored).toEqual([]); // the whole message was committed inside the gap
    spy.mockRestore();
    held.open();
    const committed = (await logOf(a.threadline.store, "default", "t1")).map((e) => e.seq);

    const received: SubscriptionItem[] = [];
    const startedAt = Date.now();
    while (received.at(-1)?.type !== "message.finished") {
      received.push(await nextWithin(viewerOnB, 5_000));
    }
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    const seqs = received.map((item) => (item.type === "snapshot" ? -1 : item.seq));
    expect(seqs).toEqual(committed.filter((seq) => seq > (snapshot as { seq: number }).seq));
    expect(received.filter((item) => item.type === "message.finished")).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(restored).toHaveLength(1);
    expect(restored[0]!.at).toBeGreaterThanOrEqual(finishedAt);
    expect(restored[0]!.gapMs).toBeGreaterThanOrEqual(100); // the first backoff step
    const text = await registry.metrics();
    expect(text).toMatch(/threadline_listen_lost_total 1/);
    expect(text).toMatch(/threadline_listen_reconnects_total 1/);

    // Listening again: a later commit is heard live.
    const later = await a.threadline.writers.open("t1");
    const created = await nextWithin(viewerOnB, 5_000);
    expect(created).toMatchObject({ type: "message.created", messageId: later.id });
    await later.finish();
    await viewerOnB.return?.();
  });
});
