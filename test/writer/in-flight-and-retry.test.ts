import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { MessageWrite, Store, WriteOutcome } from "../../src/store/store.js";
import { BACKENDS_WITH_WORKER as BACKENDS, openThreadline } from "../support/backends.js";
import { drive, gate, logOf, take, textOf } from "../support/helpers.js";
import { outageError } from "../support/outage-store.js";

/**
 * A real store whose `commitWrites` runs `before` first: to hold a write in flight (like crush's
 * slowUpdateQuerier) or to fail it. Everything else goes straight to the real store.
 */
function interceptCommits(
  store: Store,
  before: (writes: readonly MessageWrite[]) => Promise<void>,
): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "commitWrites") {
        return async (writes: readonly MessageWrite[], now: number): Promise<WriteOutcome[]> => {
          await before(writes);
          return target.commitWrites(writes, now);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * Holds the next commit once armed, like crush's slowUpdateQuerier: `inFlight` resolves when a
 * commit is held (its chunks already taken from the buffer), `release()` lets it go on.
 */
function holdNextCommit() {
  const released = gate();
  let started!: () => void;
  const inFlight = new Promise<void>((resolve) => {
    started = resolve;
  });
  let armed = false;
  return {
    inFlight,
    arm: () => {
      armed = true;
    },
    release: released.open,
    before: async () => {
      if (!armed) return;
      armed = false;
      started();
      await released.promise;
    },
  };
}

for (const backend of BACKENDS) {
  describe(`writes in flight, failures and retries [${backend.name}]`, () => {
    async function setup(
      before: (writes: readonly MessageWrite[]) => Promise<void>,
      windowMs = 10,
    ) {
      const database = await backend.freshDatabase({ shared: true });
      const store = interceptCommits(await openStore(database, "test-node"), before);
      return openThreadline(backend, { database, store, windowMs });
    }

    for (const flushKind of ["flush(id)", "flushAll()"] as const) {
      it(`R7: ${flushKind} waits for a timer-fired write that is still in flight`, async () => {
        const hold = holdNextCommit();
        const { threadline, clock } = await setup(hold.before);
        const thread = await threadline.threads.create();
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        hold.arm();
        await writer.write({ type: "text-delta", id: "t", delta: "payload" });
        clock.advance(10); // the window ends: the tick's commit starts and is held
        await hold.inFlight;

        let flushed = false;
        const flush = (
          flushKind === "flushAll()" ? threadline.flushAll() : threadline.flush(writer.id)
        ).then(() => {
          flushed = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect(flushed).toBe(false); // nothing is buffered, but a write is still in flight
        hold.release();
        await flush;
        expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("payload");
      });
    }

    it("R6: a change arriving during a write is written by the next tick (no trailing-delta stall)", async () => {
      const hold = holdNextCommit();
      const { threadline, clock } = await setup(hold.before);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      hold.arm();
      await writer.write({ type: "text-delta", id: "t", delta: "one " });
      clock.advance(10);
      await hold.inFlight;
      await writer.write({ type: "text-delta", id: "t", delta: "two" }); // arrives mid-write
      hold.release();
      await threadline.idle();
      clock.advance(10); // no further producer activity: the trailing delta must still land
      await threadline.idle();
      expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("one two");
    });

    it("R5: a slow commit never makes ticks bunch up: streaming ticks stay a window apart", async () => {
      const hold = holdNextCommit();
      const { threadline, clock } = await setup(hold.before, 33);
      const thread = await threadline.threads.create();
      const writers = await Promise.all([1, 2, 3].map(() => threadline.writers.open(thread.id)));
      await Promise.all(writers.map((w) => w.write({ type: "text-start", id: "t" })));
      const tickStarts: number[] = [];
      threadline.events.on("writer:commit", (c) => {
        if (!c.urgent) tickStarts.push(c.startedAt);
      });
      hold.arm();
      for (let step = 0; step < 30; step++) {
        for (const w of writers) await w.write({ type: "text-delta", id: "t", delta: "x" });
        clock.advance(10);
        if (step === 5) await hold.inFlight; // the first tick is now stuck for a while
        if (step === 15) hold.release();
        await new Promise((resolve) => setImmediate(resolve));
        if (step > 15) await threadline.idle();
      }
      await threadline.idle();
      expect(tickStarts.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < tickStarts.length; i++) {
        expect(tickStarts[i]! - tickStarts[i - 1]!).toBeGreaterThanOrEqual(33);
      }
      await threadline.flushAll();
      for (const w of writers) expect(textOf(w.message)).toBe("x".repeat(30));
    });

    it("R6, R30: during an outage a structural write waits (backpressure) while the changes stay buffered and are retried with backoff", async () => {
      let failuresLeft = 3;
      const { threadline, clock } = await setup(async (writes) => {
        if (writes.some((w) => w.kind === "stream") && failuresLeft > 0) {
          failuresLeft -= 1;
          throw outageError();
        }
      });
      const errors: { attempt: number; retryInMs: number }[] = [];
      threadline.events.on("writer:error", ({ attempt, retryInMs }) =>
        errors.push({ attempt, retryInMs }),
      );
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      let started = false;
      const structural = writer.write({ type: "text-start", id: "t" }).then(() => {
        started = true;
      });
      await writer.write({ type: "text-delta", id: "t", delta: "survives" });
      await threadline.idle();
      expect(started).toBe(false); // R4: it returns only once committed
      // The background retries back off 50, 100, 200 ms, then succeed and release the write.
      await drive(clock, structural);
      expect(errors.map((e) => e.retryInMs)).toEqual([50, 100, 200]);
      await drive(clock, writer.flush());
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored?.parts).toMatchObject([{ type: "text", text: "survives" }]);
      expect(stored?.status).toBe("streaming"); // an outage never fails a message
      // Nothing was logged twice or out of order.
      const deltas = (await logOf(threadline.store, "default", thread.id)).filter(
        (e) => e.type === "message.delta",
      );
      expect(
        deltas.flatMap((e) => (e.type === "message.delta" ? e.data.chunks.map((c) => c.type) : [])),
      ).toEqual(["text-start", "text-delta"]);
    });

    it("R7, R30: flushAll waits out an outage up to the bound, then rejects `unavailable`; the buffered change is written once the database is back", async () => {
      let fail = false;
      const { threadline, clock } = await setup(async () => {
        if (fail) throw outageError();
      }, 3_600_000);
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "x" });
      fail = true;
      const flushed = threadline.flushAll().then(
        () => "resolved",
        (error: unknown) => error,
      );
      const error = await drive(clock, flushed, 500, 10_000);
      expect(error).toMatchObject({ code: "unavailable" });
      expect((error as Error).message).toContain("terminating connection due to administrator");
      // Past the bound, new chunks are refused at once (503), terminal ones still taken.
      await expect(writer.write({ type: "text-delta", id: "t", delta: "y" })).rejects.toMatchObject(
        {
          code: "unavailable",
        },
      );
      fail = false;
      await drive(clock, threadline.flushAll(), 500, 10_000);
      expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("x");
      await writer.write({ type: "text-delta", id: "t", delta: "z" }); // accepted again
    });

    it("R7, R30: an outage shorter than the bound never refuses a producer, even when the backoff's next attempt lies past the bound: one attempt falls on the bound", async () => {
      let fail = false;
      const database = await backend.freshDatabase({ shared: true });
      const store = interceptCommits(await openStore(database, "test-node"), async () => {
        if (fail) throw outageError();
      });
      // The first failure is the tick at 10 ms; retries follow at 60, 160, 360 and 760 ms, where the
      // backoff's next (800 ms later) would lie past the bound at 1 010 ms.
      const { threadline, clock } = await openThreadline(backend, {
        database,
        store,
        windowMs: 10,
        unavailableAfterMs: 1_000,
      });
      const retries: number[] = [];
      threadline.events.on("writer:error", ({ retryInMs }) => retries.push(retryInMs));
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      fail = true;
      await writer.write({ type: "text-delta", id: "t", delta: "a" });
      const start = clock.now();
      while (clock.now() - start < 900) {
        clock.advance(10);
        await threadline.idle();
      }
      fail = false; // back after 0.9 s, before the bound
      while (clock.now() - start < 1_020) {
        clock.advance(10);
        await threadline.idle();
      }
      expect(retries).toEqual([50, 100, 200, 400, 250]);
      await writer.write({ type: "text-delta", id: "t", delta: "b" }); // not refused
      await drive(clock, writer.flush());
      expect(textOf((await threadline.store.getMessage("default", writer.id))!)).toBe("ab");
    });

    it("R12 (crush): structural changes are published with the bounded wait, not lossy", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        windowMs: 3_600_000,
        queueCapacity: 1,
        reliableTimeoutMs: 40,
      });
      const thread = await threadline.threads.create();
      const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
      await take(iterator, 1); // the snapshot; then the subscriber stops reading
      const writer = await drive(clock, threadline.writers.open(thread.id)); // message.created fills the queue
      for (const chunk of [
        { type: "tool-input-start", toolCallId: "tc1", toolName: "view" },
        { type: "tool-input-available", toolCallId: "tc1", toolName: "view", input: {} },
        { type: "reasoning-start", id: "r" },
        { type: "reasoning-end", id: "r" },
      ] as const) {
        await drive(clock, writer.write(chunk));
      }
      expect(threadline.stats.reliableDrops).toBe(4);
      expect(threadline.stats.lossyDrops).toBe(0);
      await iterator.return?.();
    });
  });
}

for (const backend of BACKENDS) {
  describe(`delete racing an in-flight write [${backend.name}]`, () => {
    for (const order of ["the write commits first", "the delete commits first"] as const) {
      it(`R8: a deleted message stays deleted when ${order}`, async () => {
        const release = gate();
        let started!: () => void;
        const inFlight = new Promise<void>((resolve) => {
          started = resolve;
        });
        let hold = false;
        const database = await backend.freshDatabase({ shared: true });
        const store = interceptCommits(await openStore(database, "test-node"), async () => {
          if (!hold) return;
          hold = false;
          started();
          await release.promise;
        });
        const { threadline, clock } = await openThreadline(backend, {
          database,
          store,
          windowMs: 10,
        });
        const thread = await threadline.threads.create();
        const writer = await threadline.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        hold = true;
        await writer.write({ type: "text-delta", id: "t", delta: "racing" });
        clock.advance(10);
        await inFlight; // the tick's write is in flight, its chunks taken from the buffer
        if (order === "the write commits first") {
          release.open();
          await threadline.idle();
          await threadline.messages.delete(writer.id);
        } else {
          await threadline.messages.delete(writer.id);
          release.open();
          await threadline.idle();
        }
        await threadline.flushAll();
        expect(await threadline.store.getMessage("default", writer.id)).toBeUndefined();
        const log = await logOf(threadline.store, "default", thread.id);
        expect(log.at(-1)?.type).toBe("message.deleted");
        expect(threadline.stats.bufferedMessages).toBe(0);
      });
    }
  });
}
