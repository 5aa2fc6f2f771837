import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open-store.js";
import type { MessageWrite } from "../../src/store/store.js";
import type { MessageWriter } from "../../src/writer/message-writer.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { refuseRows } from "../support/exec-sql.js";
import { logOf, take, textOf } from "../support/helpers.js";

/** What the database refuses in these tests: any event whose payload holds this marker. */
const MARKER = "POISON";

/**
 * Makes the real database refuse every event whose payload holds {@link MARKER}, with an error of
 * the data (not of the database's state) — a trigger on the events table, as a CHECK the
 * application cannot know about would. The refusal happens inside the commit, like any value a
 * database refuses (R30).
 */
async function refuseMarkedEvents(database: string): Promise<void> {
  await refuseRows(database, {
    table: "events",
    on: "insert",
    column: "payload",
    containing: MARKER,
    message: "value refused by a check of the test",
  });
}

for (const backend of BACKENDS) {
  describe(`poison isolation (R30) [${backend.name}]`, () => {
    async function setup() {
      const database = await backend.freshDatabase({ shared: true });
      const opened = await openThreadline(backend, { database, windowMs: 33 });
      await refuseMarkedEvents(database);
      const commits: number[] = [];
      opened.threadline.events.on("writer:commit", ({ writes }) => commits.push(writes));
      const poisoned: string[] = [];
      opened.threadline.events.on("writer:poisoned", ({ messageId }) => poisoned.push(messageId));
      return { ...opened, commits, poisoned };
    }

    /** Opens `count` streaming messages in `workspaces` workspaces, each with a committed text-start. */
    async function openStreams(
      threadline: Awaited<ReturnType<typeof setup>>["threadline"],
      count: number,
      workspaces: number,
    ) {
      const streams: { workspaceId: string; writer: MessageWriter }[] = [];
      for (let i = 0; i < count; i++) {
        const workspaceId = `ws-${i % workspaces}`;
        const api = threadline.workspace(workspaceId);
        const thread = await api.threads.create();
        const writer = await api.writers.open(thread.id);
        await writer.write({ type: "text-start", id: "t" });
        await writer.write({ type: "text-delta", id: "t", delta: "kept " });
        streams.push({ workspaceId, writer });
      }
      return streams;
    }

    for (const position of ["first", "last"] as const) {
      it(`R30: one refused delta (${position} of 21 dirty messages) fails only its own message; the other 20 commit in the same tick`, async () => {
        const { threadline, clock, commits, poisoned } = await setup();
        const streams = await openStreams(threadline, 21, 4);
        await threadline.flushAll();
        const victim = position === "first" ? streams[0]! : streams[20]!;
        for (const { writer } of streams) {
          await writer.write({
            type: "text-delta",
            id: "t",
            delta: writer === victim.writer ? `bad ${MARKER}` : "next",
          });
        }
        // R10: viewers of every thread, from the committed head on.
        const viewers = await Promise.all(
          streams.map(async ({ workspaceId, writer }) => {
            const stored = await threadline.store.getMessage(workspaceId, writer.id);
            const head = (await threadline.workspace(workspaceId).threads.get(stored!.threadId))!;
            return threadline
              .workspace(workspaceId)
              .subscribe(head.id, { after: head.headSeq })
              [Symbol.asyncIterator]();
          }),
        );
        const failure = victim.writer.flush().then(
          () => undefined,
          (error: unknown) => error,
        );
        commits.length = 0;
        clock.advance(33); // one tick, and nothing more of the clock
        await threadline.idle();

        // Every other message's delta committed within this tick's round.
        for (const { workspaceId, writer } of streams) {
          if (writer === victim.writer) continue;
          const stored = await threadline.store.getMessage(workspaceId, writer.id);
          expect(textOf(stored!)).toBe("kept next");
          expect(stored!.status).toBe("streaming");
        }
        expect(commits.reduce((a, b) => a + b, 0)).toBe(20);
        // The refused message ended `error` with what was committed before, once proven.
        expect(poisoned).toEqual([victim.writer.id]);
        const failed = await threadline.store.getMessage(victim.workspaceId, victim.writer.id);
        expect(failed).toMatchObject({ status: "error" });
        expect(textOf(failed!)).toBe("kept ");
        expect(failed!.errorText).toContain("refused");
        expect(await failure).toMatchObject({ code: "chunk_rejected" });
        await expect(
          victim.writer.write({ type: "text-delta", id: "t", delta: "more" }),
        ).rejects.toMatchObject({ code: "message_finalized" });
        expect(victim.writer.signal.aborted).toBe(true); // R28: its producer is told to stop
        // Its log has exactly one message.finished and no refused delta.
        const log = await logOf(threadline.store, victim.workspaceId, failed!.threadId);
        expect(log.filter((e) => e.type === "message.finished")).toHaveLength(1);
        expect(JSON.stringify(log)).not.toContain(MARKER);
        // The others go on streaming normally.
        for (const { writer } of streams.filter((s) => s.writer !== victim.writer)) {
          await writer.write({ type: "text-end", id: "t" });
          await writer.finish();
        }
        // R10: the refused transaction published nothing; each viewer got its thread's committed
        // events once, in seq order: the others' delta then their text-end, the victim's end.
        for (const [i, viewer] of viewers.entries()) {
          const isVictim = streams[i]!.writer === victim.writer;
          const events = await take(viewer, isVictim ? 1 : 2);
          expect(events[0]).toMatchObject(
            isVictim
              ? { type: "message.finished", data: { message: { status: "error" } } }
              : { type: "message.delta", data: { chunks: [{ delta: "next" }] } },
          );
          if (!isVictim) {
            const [first, second] = events as { seq: number }[];
            expect(second!.seq).toBe(first!.seq + 1);
            expect(events[1]).toMatchObject({ data: { chunks: [{ type: "text-end" }] } });
          }
          await viewer.return?.();
        }
      });
    }

    it("R30: a burst of 10 refused messages among 50 other streams: the 50 all commit in the tick, the 10 end error", async () => {
      const { threadline, clock, poisoned } = await setup();
      const streams = await openStreams(threadline, 60, 6);
      await threadline.flushAll();
      const victims = new Set(streams.filter((_, i) => i % 6 === 3).map((s) => s.writer.id));
      expect(victims.size).toBe(10);
      for (const { writer } of streams) {
        const delta = victims.has(writer.id) ? MARKER : "next";
        await writer.write({ type: "text-delta", id: "t", delta });
      }
      clock.advance(33);
      await threadline.idle();
      for (const { workspaceId, writer } of streams) {
        const stored = await threadline.store.getMessage(workspaceId, writer.id);
        if (victims.has(writer.id)) {
          expect(stored).toMatchObject({ status: "error" });
          expect(textOf(stored!)).toBe("kept ");
        } else {
          expect(stored).toMatchObject({ status: "streaming" });
          expect(textOf(stored!)).toBe("kept next");
        }
      }
      expect(new Set(poisoned)).toEqual(victims);
    });

    it("R30, R4: a refused terminal write (finish with metadata the database refuses) ends the message error and rejects the finish call", async () => {
      const { threadline } = await setup();
      const [stream] = await openStreams(threadline, 1, 1);
      const { writer, workspaceId } = stream!;
      await writer.flush(); // what was committed before the refused write is what stays
      await expect(
        writer.write({ type: "finish", messageMetadata: { note: MARKER } }),
      ).rejects.toMatchObject({ code: "chunk_rejected" });
      const stored = await threadline.store.getMessage(workspaceId, writer.id);
      expect(stored).toMatchObject({ status: "error" });
      expect(textOf(stored!)).toBe("kept ");
      expect(stored!.metadata).toBeUndefined();
    });

    it("R30: a write refused once and then taken is no poison, and a later single refusal is not counted against it", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const refuse = { next: false };
      const store = await openStore(database, "test-node");
      const flaky = new Proxy(store, {
        get(target, property, receiver) {
          if (property === "commitWrites") {
            return (writes: readonly MessageWrite[], now: number) => {
              if (refuse.next && writes.length === 1) {
                refuse.next = false;
                throw Object.assign(new Error("value too long for type"), { code: "22001" });
              }
              return target.commitWrites(writes, now);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const { threadline, clock } = await openThreadline(backend, { database, store: flaky });
      const poisoned: string[] = [];
      threadline.events.on("writer:poisoned", ({ messageId }) => poisoned.push(messageId));
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      for (const delta of ["a", "b", "c"]) {
        refuse.next = true;
        await writer.write({ type: "text-delta", id: "t", delta });
        clock.advance(33);
        await threadline.idle();
      }
      expect(poisoned).toEqual([]);
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(stored).toMatchObject({ status: "streaming" });
      expect(textOf(stored!)).toBe("abc");
    });
  });
}
