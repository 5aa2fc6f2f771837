import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { BACKENDS_WITH_WORKER as BACKENDS, openThreadline } from "../support/backends.js";
import { drive, gate, take, textOf } from "../support/helpers.js";

function seqs(items: SubscriptionItem[]): number[] {
  return items.map((i) => i.seq);
}

/** A real store whose snapshot read waits for a gate: lets a test commit between register and read. */
function withGatedSnapshot(store: Store, opened: Promise<void>): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === "readSnapshot") {
        return async (...args: Parameters<Store["readSnapshot"]>) => {
          await opened;
          return target.readSnapshot(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

// yoi's snapshot + live fan-out cases (seed 003), and R11–R13 resume, drops and deletion.
for (const backend of BACKENDS) {
  describe(`subscriptions [${backend.name}]`, () => {
    it("R11: history committed before subscribing arrives in the snapshot, not live", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
      const [snapshot] = await take(iterator, 1);
      expect(snapshot).toMatchObject({ type: "snapshot", seq: 2 });
      expect(snapshot?.type === "snapshot" && snapshot.messages.map(textOf)).toEqual(["hi"]);
      await threadline.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "again" }],
      });
      const [live] = await take(iterator, 1);
      expect(live).toMatchObject({ type: "message.created", seq: 3 });
      await iterator.return?.();
    });

    for (const order of [
      "commit lands before the snapshot read",
      "commit lands after the snapshot read",
    ]) {
      it(`R11: snapshot and live never overlap or gap — ${order}`, async () => {
        const database = await backend.freshDatabase({ shared: true });
        const snapshotGate = gate();
        const store = withGatedSnapshot(await openStore(database, "gated"), snapshotGate.promise);
        const { threadline } = await openThreadline(backend, { database, store });
        const thread = await threadline.threads.create();
        const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
        const first = iterator.next(); // registers, then waits at the gated snapshot read
        await new Promise((resolve) => setImmediate(resolve));
        if (order.includes("before")) {
          await threadline.messages.append(thread.id, { role: "user", parts: [] });
          snapshotGate.open();
        } else {
          snapshotGate.open();
          await first;
          await threadline.messages.append(thread.id, { role: "user", parts: [] });
        }
        const snapshot = (await first).value as SubscriptionItem;
        await threadline.messages.append(thread.id, { role: "user", parts: [] });
        const live = await take(iterator, order.includes("before") ? 1 : 2);
        expect(snapshot.type).toBe("snapshot");
        const inSnapshot = snapshot.type === "snapshot" ? snapshot.messages.length : -1;
        // Every message is seen exactly once: either in the snapshot or as a live event.
        expect(inSnapshot + live.length).toBe(2);
        expect(seqs(live)).toEqual(
          Array.from({ length: live.length }, (_, i) => snapshot.seq + 1 + i),
        );
        await iterator.return?.();
      });
    }

    it("R11: after=N replays the log from N+1, then continues live", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      for (let i = 0; i < 3; i++)
        await threadline.messages.append(thread.id, { role: "user", parts: [] });
      const iterator = threadline.subscribe(thread.id, { after: 2 })[Symbol.asyncIterator]();
      expect(seqs(await take(iterator, 2))).toEqual([3, 4]);
      await threadline.messages.append(thread.id, { role: "user", parts: [] });
      expect(seqs(await take(iterator, 1))).toEqual([5]);
      await iterator.return?.();
    });

    it("R11: bad offsets and other workspaces' threads are refused clearly", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      for (const after of [-1, 1.5, Number.NaN, 99]) {
        await expect(
          take(threadline.subscribe(thread.id, { after })[Symbol.asyncIterator](), 1),
        ).rejects.toMatchObject({
          code: "bad_offset",
        });
      }
      const other = threadline.workspace("someone-else");
      await expect(
        take(other.subscribe(thread.id)[Symbol.asyncIterator](), 1),
      ).rejects.toMatchObject({
        code: "not_found",
      });
      await expect(
        take(other.subscribe(thread.id, { after: 0 })[Symbol.asyncIterator](), 1),
      ).rejects.toMatchObject({
        code: "not_found",
      });
    });

    it("R12: a subscriber that cannot keep up loses live deltas but still receives every event once, in order", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        queueCapacity: 4,
        windowMs: 10,
      });
      const thread = await threadline.threads.create();
      const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
      const [snapshot] = await take(iterator, 1);
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      for (let i = 0; i < 30; i++) {
        await writer.write({ type: "text-delta", id: "t", delta: `${i} ` });
        clock.advance(10);
        await threadline.idle();
      }
      await drive(clock, writer.write({ type: "text-end", id: "t" }));
      await drive(clock, writer.finish()); // the bounded wait for room runs on the fake clock
      expect(threadline.stats.lossyDrops).toBeGreaterThan(0);
      const head = (await threadline.threads.get(thread.id)).headSeq;
      const rest = await take(iterator, head - snapshot!.seq);
      expect(seqs(rest)).toEqual(
        Array.from({ length: rest.length }, (_, i) => snapshot!.seq + 1 + i),
      );
      expect(rest.at(-1)?.type).toBe("message.finished");
      await iterator.return?.();
    });

    it("R12: a full queue makes a reliable publish wait the bounded time, then drop and count separately", async () => {
      const { threadline, clock } = await openThreadline(backend, {
        queueCapacity: 1,
        reliableTimeoutMs: 50,
      });
      const thread = await threadline.threads.create();
      const iterator = threadline.subscribe(thread.id, { after: 1 })[Symbol.asyncIterator]();
      const first = iterator.next(); // registers the subscriber, which then stops reading
      const appendUser = () => threadline.messages.append(thread.id, { role: "user", parts: [] });
      await drive(clock, appendUser());
      expect((await first).value).toMatchObject({ seq: 2 });
      await drive(clock, appendUser()); // fills the one-event queue
      let appended = false;
      const blocked = appendUser().then(() => {
        appended = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(appended).toBe(false); // waiting for room: the wait runs on the fake clock
      // Past the bounded wait on the fake clock, however long the commit took in real time.
      await drive(clock, blocked);
      expect(threadline.stats.reliableDrops).toBeGreaterThanOrEqual(1);
      expect(threadline.stats.lossyDrops).toBe(0);
      expect(seqs(await take(iterator, 2))).toEqual([3, 4]); // the dropped one comes from the log
      await iterator.return?.();
    });

    it("R13: events carry their seq and the message revision they produce", async () => {
      const { threadline } = await openThreadline(backend, { windowMs: 0 });
      const thread = await threadline.threads.create();
      const iterator = threadline.subscribe(thread.id, { after: 1 })[Symbol.asyncIterator]();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "x" });
      const items = await take(iterator, 3);
      expect(items.map((i) => ("revision" in i ? i.revision : null))).toEqual([1, 2, 3]);
      await iterator.return?.();
    });

    it("R17: a viewer disconnecting never aborts the stream", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const subscription = threadline.subscribe(thread.id);
      const iterator = subscription[Symbol.asyncIterator]();
      await take(iterator, 1);
      const writer = await threadline.writers.open(thread.id);
      subscription.close();
      await writer.write({ type: "text-start", id: "t" });
      await writer.finish();
      expect((await threadline.messages.get(writer.id)).status).toBe("completed");
      expect(await iterator.next()).toMatchObject({ done: true });
    });

    it("R20: deleting a thread ends its subscribers with a final thread.deleted event", async () => {
      const { threadline } = await openThreadline(backend);
      const thread = await threadline.threads.create();
      const iterator = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
      await take(iterator, 1);
      await threadline.threads.delete(thread.id);
      const [last] = await take(iterator, 1);
      expect(last?.type).toBe("thread.deleted");
      expect(await iterator.next()).toMatchObject({ done: true });
      await expect(threadline.threads.get(thread.id)).rejects.toMatchObject({ code: "not_found" });
    });

    it("R26: a subscriber on another node receives every committed event (PostgreSQL LISTEN/NOTIFY)", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline: writerNode } = await openThreadline(backend, { database, windowMs: 0 });
      const { threadline: viewerNode } = await openThreadline(backend, { database });
      const thread = await writerNode.threads.create();
      const iterator = viewerNode.subscribe(thread.id)[Symbol.asyncIterator]();
      await take(iterator, 1);
      const writer = await writerNode.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "across nodes" });
      await writer.finish();
      if (!viewerNode.store.capabilities.crossProcessNotify) {
        // SQLite is single-node by design: no cross-process announcements.
        expect(backend.name).toMatch(/^sqlite/);
        await iterator.return?.();
        return;
      }
      const items = await take(iterator, 4);
      expect(items.map((i) => i.type)).toEqual([
        "message.created",
        "message.delta",
        "message.delta",
        "message.finished",
      ]);
      const finished = items.at(-1);
      expect(finished?.type === "message.finished" && textOf(finished.data.message)).toBe(
        "across nodes",
      );
      await iterator.return?.();
    });
  });
}
