/**
 * Persist, then publish as one sink (R10, issue 9): every event a store write commits reaches the
 * sink attached with `attachSink` exactly once, in commit order, only once it is committed (a read
 * on the store already returns it), whichever write appended it — and a write whose transaction
 * fails hands nothing over. The writer's commits return the publication as a promise instead of
 * waiting for it, and carry the reliable delivery of structural deltas.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ThreadEvent } from "../../src/protocol/events.js";
import { openStore } from "../../src/store/open-store.js";
import type { CommitSink, Store } from "../../src/store/store.js";
import { BACKENDS_WITH_WORKER as BACKENDS } from "../support/backends.js";
import { refuseRows } from "../support/exec-sql.js";

const WS = "default";
const NOW = 1_700_000_000_000;

/**
 * A sink that records what it gets, in the order the store hands it over, and checks, as it gets
 * it, that the store already holds it (`visible`, set once that read answers).
 */
function recordingSink(store: Store) {
  const published: { seq: number; type: string; reliable: boolean; visible?: boolean }[] = [];
  const closed: string[] = [];
  const record = async (event: ThreadEvent, reliable: boolean) => {
    // Recorded before the read: a read answering late must not reorder what was handed over.
    const entry: (typeof published)[number] = { seq: event.seq, type: event.type, reliable };
    published.push(entry);
    const [read] = await store.readEvents(WS, event.threadId, event.seq - 1, 1);
    entry.visible = read?.seq === event.seq;
  };
  const sink: CommitSink = {
    publish: (_workspaceId, event) => record(event, false),
    publishReliable: (_workspaceId, event) => record(event, true),
    closeThread: (_workspaceId, threadId) => closed.push(threadId),
  };
  return { sink, published, closed };
}

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

for (const backend of BACKENDS) {
  describe(`the store's commit sink [${backend.name}]`, () => {
    async function open() {
      const database = await backend.freshDatabase({ shared: true });
      const store = await openStore(database, "n1");
      opened.push(store);
      await store.migrate();
      const recorder = recordingSink(store);
      store.attachSink(recorder.sink);
      return { store, database, ...recorder };
    }

    it("R10: every committed event of every kind of write reaches the sink once, in order, after its commit", async () => {
      const { store, published, closed } = await open();
      const { thread } = await store.createThread(
        WS,
        { id: "t", title: null, metadata: null },
        NOW,
      );
      await store.createMessage(
        WS,
        { threadId: "t", id: "q", role: "user", status: "completed", parts: [] },
        NOW,
      );
      await store.createMessage(
        WS,
        {
          threadId: "t",
          id: "a",
          role: "assistant",
          status: "streaming",
          parts: [],
          lease: { owner: "n1", expiresAt: NOW + 10_000 },
        },
        NOW,
      );
      const [delta] = await store.commitWrites(
        [
          {
            kind: "stream",
            workspaceId: WS,
            threadId: "t",
            messageId: "a",
            revision: 2,
            delta: { chunks: [{ type: "text-start", id: "x" }] },
            reliable: true, // a part appeared: structural
          },
        ],
        NOW,
      );
      const [plain] = await store.commitWrites(
        [
          {
            kind: "stream",
            workspaceId: WS,
            threadId: "t",
            messageId: "a",
            revision: 3,
            delta: { chunks: [{ type: "text-delta", id: "x", delta: "hi" }] },
          },
        ],
        NOW,
      );
      // The writer's commits hand the publication back instead of waiting for it.
      expect(delta).toMatchObject({ applied: true, published: expect.any(Promise) });
      await (delta?.applied && delta.published);
      await (plain?.applied && plain.published);
      await store.failMessage(WS, "a", NOW, "refused");
      await store.deleteMessage(WS, "q", NOW);
      await store.forkThread(WS, "t", {}, { id: "f", title: null, metadata: null }, () => "c", NOW);
      await expect.poll(() => published.length).toBe(9); // failMessage's is not awaited
      await store.beginThreadDeletion(WS, "t", NOW);

      const log = [
        ...(await store.readEvents(WS, "t", 0, 100)),
        ...(await store.readEvents(WS, "f", 0, 100)),
      ];
      expect(thread.id).toBe("t");
      expect(published.map((p) => `${p.type}@${p.seq}`)).toEqual(
        log.map((event) => `${event.type}@${event.seq}`),
      );
      await expect.poll(() => published.every((p) => p.visible !== undefined)).toBe(true);
      expect(published.every((p) => p.visible)).toBe(true);
      expect(published.filter((p) => p.reliable).map((p) => p.seq)).toEqual([4]);
      expect(closed).toEqual(["t"]);
    });

    it("R10: a write whose transaction fails hands nothing to the sink; the retry's events arrive once", async () => {
      const { store, database, published } = await open();
      await store.createThread(WS, { id: "t", title: null, metadata: null }, NOW);
      const allow = await refuseRows(database, {
        table: "message_bodies",
        on: "insert",
        message: "refused in the test",
      });
      const input = { threadId: "t", id: "m", role: "user" as const, status: "completed" as const };
      await expect(store.createMessage(WS, { ...input, parts: [] }, NOW)).rejects.toThrow(
        /refused in the test/,
      );
      expect(published.map((p) => p.type)).toEqual(["thread.created"]);
      await allow();
      await store.createMessage(WS, { ...input, parts: [] }, NOW);
      expect(published.map((p) => `${p.type}@${p.seq}`)).toEqual([
        "thread.created@1",
        "message.created@2",
      ]);
    });
  });
}
