import { describe, expect, it } from "vitest";
import type { SubscriptionItem } from "../../src/subscription/subscription.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { refuseRows } from "../support/exec-sql.js";
import { drive, logOf, take } from "../support/helpers.js";

/**
 * Makes the real database fail the next write of a message body whose parts hold `marker`, after
 * the transaction already inserted its events: the whole transaction rolls back, events included.
 * Returns a function that removes the refusal (so the retry commits).
 */
function failBodyWrites(database: string, marker: string): Promise<() => Promise<void>> {
  return refuseRows(database, {
    table: "message_bodies",
    on: "update",
    column: "parts",
    containing: marker,
    message: "body write failed in the test",
  });
}

const seqsOf = (items: readonly SubscriptionItem[]) => items.map((item) => item.seq);

for (const backend of BACKENDS) {
  describe(`persist, then publish (R10) [${backend.name}]`, () => {
    it("R10: a subscriber never receives the events of a commit that failed; the retry's committed events arrive once, in seq order", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const { threadline, clock } = await openThreadline(backend, { database, windowMs: 33 });
      const thread = await threadline.threads.create();
      const live = threadline.subscribe(thread.id)[Symbol.asyncIterator]();
      const [snapshot] = await take(live, 1);
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      await writer.write({ type: "text-delta", id: "t", delta: "MARKED answer" });

      const allow = await failBodyWrites(database, "MARKED");
      let failedCommits = 0;
      const commitWrites = threadline.store.commitWrites.bind(threadline.store);
      threadline.store.commitWrites = async (writes, now) => {
        try {
          return await commitWrites(writes, now);
        } catch (error) {
          failedCommits += 1;
          await allow(); // the next attempt commits
          throw error;
        }
      };
      // The finish commits the pending delta and the terminal event in one transaction, which the
      // body write fails after both events were inserted; the retry commits them.
      await drive(clock, writer.finish());
      expect(failedCommits).toBe(1);
      expect(writer.message.status).toBe("completed");

      const log = await logOf(threadline.store, "default", thread.id);
      const afterSnapshot = log.filter((event) => event.seq > (snapshot?.seq ?? 0));
      const received = await take(live, afterSnapshot.length);
      // Exactly the committed events, each once, in seq order: nothing of the failed attempt.
      expect(seqsOf(received)).toEqual(afterSnapshot.map((event) => event.seq));
      expect(received.map((item) => item.type)).toEqual(afterSnapshot.map((event) => event.type));
      expect(received.filter((item) => item.type === "message.finished")).toHaveLength(1);
      expect(new Set(seqsOf(received)).size).toBe(received.length);
      // Seqs are dense: the failed attempt's seqs were never taken.
      expect(log.map((event) => event.seq)).toEqual(log.map((_, i) => i + 1));
      // A late subscriber replaying the log sees the same events.
      const replay = threadline
        .subscribe(thread.id, { after: snapshot?.seq ?? 0 })
        [Symbol.asyncIterator]();
      expect(seqsOf(await take(replay, afterSnapshot.length))).toEqual(seqsOf(received));
      await Promise.all([live.return?.(), replay.return?.()]);
    });
  });
}
