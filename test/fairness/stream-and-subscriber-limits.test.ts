/**
 * R33 (issue 8 item 6): a workspace's concurrent streaming messages and subscribers are capped;
 * past a cap a new one is refused `rate_limited` (429) while other workspaces go on, and a slot
 * frees when its message ends however it ends, or its subscription closes however it closes.
 */
import { describe, expect, it } from "vitest";
import type { WorkspaceLimitsOptions } from "../../src/fairness/workspace-limits.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

const rateLimited = (limit: string, max: number, workspaceId = "default") =>
  expect.objectContaining({
    code: "rate_limited",
    status: 429,
    details: { limit, max, workspaceId, retryAfterMs: 1_000 },
  });

for (const backend of BACKENDS) {
  describe(`workspace stream and subscriber limits [${backend.name}]`, () => {
    async function open(workspaceLimits: WorkspaceLimitsOptions) {
      const { threadline, clock } = await openThreadline(backend, { workspaceLimits });
      const thread = await threadline.threads.create();
      return { threadline, clock, thread };
    }

    it("a workspace at its stream limit is refused rate_limited; another workspace is not", async () => {
      const { threadline, thread } = await open({
        default: { maxStreamingMessages: 2 },
        byWorkspace: { big: { maxStreamingMessages: 3 } },
      });
      await threadline.writers.open(thread.id);
      await threadline.writers.open(thread.id);
      await expect(threadline.writers.open(thread.id)).rejects.toThrow(rateLimited("streams", 2));
      const big = threadline.workspace("big");
      const bigThread = await big.threads.create();
      for (let i = 0; i < 3; i += 1) await big.writers.open(bigThread.id);
      await expect(big.writers.open(bigThread.id)).rejects.toThrow(
        rateLimited("streams", 3, "big"),
      );
      const other = threadline.workspace("other"); // the default's limit, its own count
      const otherThread = await other.threads.create();
      await other.writers.open(otherThread.id);
      await other.writers.open(otherThread.id);
      const { messages } = await threadline.messages.list(thread.id);
      expect(messages).toHaveLength(2); // the refused open created nothing
    });

    it("a slot frees when its message finishes, fails, aborts, is stopped or deleted, or its thread is", async () => {
      const { threadline, thread } = await open({ default: { maxStreamingMessages: 1 } });
      const ends: Array<
        (writer: Awaited<ReturnType<Threadline["writers"]["open"]>>) => Promise<unknown>
      > = [
        (w) => w.finish(),
        (w) => w.fail("boom"),
        (w) => w.abort(),
        (w) => threadline.stop(w.threadId, { messageId: w.id }),
        (w) => threadline.messages.delete(w.id),
        (w) => threadline.threads.delete(w.threadId),
      ];
      let threadId = thread.id;
      for (const [index, end] of ends.entries()) {
        const writer = await threadline.writers.open(threadId);
        await expect(threadline.writers.open(threadId)).rejects.toThrow(rateLimited("streams", 1));
        await end(writer);
        if (index === ends.length - 1) threadId = (await threadline.threads.create()).id;
        const again = await threadline.writers.open(threadId);
        await again.finish();
      }
    });

    it("a bad chunk ends its message error and frees the slot", async () => {
      const { threadline, thread } = await open({ default: { maxStreamingMessages: 1 } });
      const writer = await threadline.writers.open(thread.id);
      await expect(
        writer.write({ type: "text-delta", id: "nope", delta: "x" } as UIMessageChunk),
      ).rejects.toThrow(expect.objectContaining({ code: "chunk_rejected" }));
      await threadline.writers.open(thread.id);
    });

    it("a message the crash sweep finalized frees its slot once its writer hears it (R18)", async () => {
      const { threadline, clock, thread } = await open({ default: { maxStreamingMessages: 1 } });
      const writer = await threadline.writers.open(thread.id);
      // Its lease ran out (the node stalled): a sweep finalizes it under the live writer.
      await threadline.store.sweepExpiredLeases(clock.now() + 3_600_000, 100);
      await writer.write({ type: "start" }).catch(() => {}); // the writer learns it…
      await expect(writer.write({ type: "text-start", id: "t" })).rejects.toThrow(
        expect.objectContaining({ code: "message_finalized" }),
      );
      await threadline.writers.open(thread.id); // …and its slot is free
    });

    it("an open that fails before its message exists keeps no slot", async () => {
      const { threadline, thread } = await open({ default: { maxStreamingMessages: 1 } });
      await expect(threadline.writers.open("no-such-thread")).rejects.toThrow(
        expect.objectContaining({ code: "not_found" }),
      );
      const first = await threadline.writers.open(thread.id, { messageId: "m1" });
      await first.finish();
      await expect(threadline.writers.open(thread.id, { messageId: "m1" })).rejects.toThrow(
        expect.objectContaining({ code: "conflict" }),
      );
      await threadline.writers.open(thread.id);
    });

    it("opens racing for the last slots never exceed the limit", async () => {
      const { threadline, thread } = await open({ default: { maxStreamingMessages: 3 } });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => threadline.writers.open(thread.id)),
      );
      const opened = results.filter((r) => r.status === "fulfilled");
      expect(opened).toHaveLength(3);
      for (const r of results.filter((r) => r.status === "rejected")) {
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "rate_limited" });
      }
    });

    it("chat.respond goes through the same stream limit", async () => {
      const { threadline, thread } = await open({ default: { maxStreamingMessages: 1 } });
      await threadline.writers.open(thread.id);
      const source = new ReadableStream<UIMessageChunk>({
        start(controller) {
          controller.enqueue({ type: "start" });
          controller.close();
        },
      });
      await expect(threadline.chat.respond(thread.id, source)).rejects.toThrow(
        rateLimited("streams", 1),
      );
    });

    it("a workspace at its subscriber limit is refused at once; a closed, aborted or ended subscription frees its slot", async () => {
      const { threadline, thread } = await open({ default: { maxSubscribers: 2 } });
      const first = threadline.subscribe(thread.id);
      const stop = new AbortController();
      threadline.subscribe(thread.id, { signal: stop.signal });
      expect(() => threadline.subscribe(thread.id)).toThrow(rateLimited("subscribers", 2));
      expect(threadline.workspace("other").subscribe(thread.id)).toBeDefined(); // its own count
      first.close();
      const third = threadline.subscribe(thread.id);
      expect(() => threadline.subscribe(thread.id)).toThrow(rateLimited("subscribers", 2));
      stop.abort();
      const fourth = threadline.subscribe(thread.id);
      // A consumer that stops iterating frees it too.
      for await (const item of third) {
        expect(item.type).toBe("snapshot");
        break;
      }
      const fifth = threadline.subscribe(thread.id);
      // And a subscription that ends by itself: its thread deleted (R20).
      const items = fourth[Symbol.asyncIterator]();
      await items.next(); // the snapshot: it is live now
      await threadline.threads.delete(thread.id);
      let last = await items.next();
      while (!last.done) last = await items.next();
      const sixth = threadline.subscribe(thread.id);
      fifth.close();
      sixth.close();
    });
  });
}
