import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { BACKENDS } from "../support/backends.js";
import { gate } from "../support/helpers.js";
import { getInboundClaim, listRunTriggers } from "../support/inspect-store.js";
import { openRuns, userText } from "./support.js";

const STALE_MS = 60_000;

/**
 * Holds the next `appendInbound` (the transaction storing a claimed message) at a gate: the slow
 * holder of a claim. Later calls pass straight through.
 */
function holdNextStore(store: Store) {
  const held = gate();
  const reached = gate();
  const original = store.appendInbound.bind(store);
  let first = true;
  store.appendInbound = async (...args) => {
    if (first) {
      first = false;
      reached.open();
      await held.promise;
    }
    return original(...args);
  };
  return { reached: reached.promise, release: held.open };
}

// multica's dispatcher dedup cases (seed 004), restated for R21.
for (const backend of BACKENDS) {
  describe(`idempotency keys [${backend.name}]`, () => {
    it("R21: a repeat of a processed key returns the original message (replayed), storing nothing", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const first = await threadline.messages.submit(thread.id, userText("hi", "m1"), {
        idempotencyKey: "lark-1",
      });
      expect(first).toMatchObject({ replayed: false, message: { id: "m1" } });
      const again = await threadline.messages.submit(thread.id, userText("hi (resent)"), {
        idempotencyKey: "lark-1",
      });
      expect(again.replayed).toBe(true);
      expect(again.message).toEqual(first.message);
      expect((await threadline.messages.list(thread.id)).messages).toHaveLength(1);
      expect(await getInboundClaim(threadline.store, "default", "lark-1")).toMatchObject({
        status: "processed",
        messageId: "m1",
      });
    });

    it("R21: a repeat while the first is in flight is refused with conflict (409)", async () => {
      const { threadline, clock } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const slow = holdNextStore(threadline.store);
      const first = threadline.messages.append(thread.id, userText("first"), {
        idempotencyKey: "k",
      });
      await slow.reached;
      clock.advance(STALE_MS); // exactly 60 s old: not stale yet
      const error = await threadline.messages
        .append(thread.id, userText("repeat"), { idempotencyKey: "k" })
        .catch((e) => e);
      expect(error).toMatchObject({ code: "conflict", status: 409 });
      expect(error.message).toContain("in flight");
      slow.release();
      expect((await first).id).toBeDefined();
      expect((await threadline.messages.list(thread.id)).messages).toHaveLength(1);
    });

    it("R21: a claim older than 60 s is taken over — takeover first: the slow holder's message rolls back", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const slow = holdNextStore(threadline.store);
      const holder = threadline.messages
        .append(thread.id, userText("slow", "m-slow"), { idempotencyKey: "k" })
        .catch((e) => e);
      await slow.reached;
      clock.advance(STALE_MS + 1);
      const taker = await threadline.messages.submit(thread.id, userText("retry", "m-retry"), {
        idempotencyKey: "k",
      });
      expect(taker).toMatchObject({ replayed: false, message: { id: "m-retry" } });
      slow.release();
      const error = await holder;
      expect(error).toMatchObject({ code: "conflict", details: { reason: "taken_over" } });
      const { messages } = await threadline.messages.list(thread.id);
      expect(messages.map((m) => m.id)).toEqual(["m-retry"]);
      expect(await threadline.store.getMessage("default", "m-slow")).toBeUndefined();
      const claim = await getInboundClaim(threadline.store, "default", "k");
      expect(claim).toMatchObject({ status: "processed", messageId: "m-retry" });
      await threadline.runs.fireDue();
      expect(await listRunTriggers(threadline.store, "default", thread.id)).toHaveLength(1);
      expect(runs).toHaveLength(0);
    });

    it("R21: a claim older than 60 s — holder first: it commits before the takeover, and the late repeat replays it", async () => {
      const { threadline, clock } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const slow = holdNextStore(threadline.store);
      const holder = threadline.messages.append(thread.id, userText("slow", "m-slow"), {
        idempotencyKey: "k",
      });
      await slow.reached;
      clock.advance(STALE_MS + 1);
      slow.release();
      expect((await holder).id).toBe("m-slow");
      clock.advance(STALE_MS * 10);
      const late = await threadline.messages.submit(thread.id, userText("retry", "m-retry"), {
        idempotencyKey: "k",
      });
      expect(late).toMatchObject({ replayed: true, message: { id: "m-slow" } });
      expect((await threadline.messages.list(thread.id)).messages.map((m) => m.id)).toEqual([
        "m-slow",
      ]);
    });

    it("R21: the takeover race at the store — the old token's write matches nothing, the new one's commits", async () => {
      const { threadline, clock } = await openRuns(backend);
      const { store } = threadline;
      const thread = await threadline.threads.create();
      const t0 = clock.now();
      const claim = (token: string, now: number) =>
        store.claimInbound(
          "default",
          { key: "k", threadId: thread.id, token, staleBefore: now - STALE_MS },
          now,
        );
      const message = (id: string) => ({
        threadId: thread.id,
        id,
        role: "user" as const,
        status: "completed" as const,
        parts: [{ type: "text" as const, text: id }],
      });
      expect(await claim("old", t0)).toEqual({ kind: "claimed", token: "old", tookOver: false });
      expect(await claim("other", t0 + STALE_MS)).toEqual({ kind: "in_flight", claimedAt: t0 });
      expect(await claim("new", t0 + STALE_MS + 1)).toEqual({
        kind: "claimed",
        token: "new",
        tookOver: true,
      });
      // The old holder's token no longer releases or marks the claim.
      expect(await store.releaseInbound("default", "k", "old")).toBe(false);
      await expect(
        store.appendInbound(
          "default",
          { message: message("m-old"), claim: { key: "k", token: "old" } },
          t0,
        ),
      ).rejects.toMatchObject({ code: "conflict", details: { reason: "taken_over" } });
      await store.appendInbound(
        "default",
        { message: message("m-new"), claim: { key: "k", token: "new" } },
        t0 + STALE_MS + 2,
      );
      expect(await store.getMessage("default", "m-old")).toBeUndefined();
      expect(await getInboundClaim(store, "default", "k")).toMatchObject({
        token: "new",
        status: "processed",
        messageId: "m-new",
      });
    });

    it("R21: a processed claim never rotates, however old", async () => {
      const { threadline, clock } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("hi", "m1"), { idempotencyKey: "k" });
      const before = await getInboundClaim(threadline.store, "default", "k");
      clock.advance(STALE_MS * 100);
      const now = clock.now();
      const claim = await threadline.store.claimInbound(
        "default",
        { key: "k", threadId: thread.id, token: "thief", staleBefore: now - STALE_MS },
        now,
      );
      expect(claim).toEqual({ kind: "processed", threadId: thread.id, messageId: "m1" });
      expect(await getInboundClaim(threadline.store, "default", "k")).toEqual(before);
      expect(await threadline.store.releaseInbound("default", "k", before!.token)).toBe(false);
    });

    it("R21: a failure before the message is stored releases the claim, so the key can be retried", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("taken", "m-taken"));

      // The thread does not exist.
      await expect(
        threadline.messages.append("no-such-thread", userText("x"), { idempotencyKey: "k" }),
      ).rejects.toMatchObject({ code: "not_found" });
      expect(await getInboundClaim(threadline.store, "default", "k")).toBeUndefined();
      // The message id is taken.
      await expect(
        threadline.messages.append(thread.id, userText("x", "m-taken"), { idempotencyKey: "k" }),
      ).rejects.toMatchObject({ code: "conflict" });
      expect(await getInboundClaim(threadline.store, "default", "k")).toBeUndefined();
      // The store fails.
      const original = threadline.store.appendInbound.bind(threadline.store);
      threadline.store.appendInbound = async () => {
        throw new Error("connection reset");
      };
      await expect(
        threadline.messages.append(thread.id, userText("x"), { idempotencyKey: "k" }),
      ).rejects.toThrow("connection reset");
      expect(await getInboundClaim(threadline.store, "default", "k")).toBeUndefined();
      threadline.store.appendInbound = original;

      const retried = await threadline.messages.submit(thread.id, userText("x", "m-ok"), {
        idempotencyKey: "k",
      });
      expect(retried).toMatchObject({ replayed: false, message: { id: "m-ok" } });
    });

    it("R21: the same key sent 20× concurrently stores one message", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          threadline.messages.submit(thread.id, userText(`copy ${i}`), { idempotencyKey: "dup" }),
        ),
      );
      const stored = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
      expect(stored.filter((r) => !r.replayed)).toHaveLength(1);
      expect(new Set(stored.map((r) => r.message.id)).size).toBe(1);
      for (const error of refused) expect(error).toMatchObject({ code: "conflict" });
      const { messages } = await threadline.messages.list(thread.id);
      expect(messages).toHaveLength(1);
      expect(messages[0]?.id).toBe(stored[0]?.message.id);
      const triggers = await listRunTriggers(threadline.store, "default", thread.id);
      expect(triggers.map((t) => t.generation)).toEqual([1]);
    });

    it("R21: keys are per workspace; a key of one thread is refused on another", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create({ id: "t" });
      const other = threadline.workspace("other");
      await other.threads.create({ id: "t" });
      const a = await threadline.messages.append("t", userText("a"), { idempotencyKey: "k" });
      const b = await other.messages.append("t", userText("b"), { idempotencyKey: "k" });
      expect(a.id).not.toBe(b.id);
      const second = await threadline.threads.create();
      await expect(
        threadline.messages.append(second.id, userText("c"), { idempotencyKey: "k" }),
      ).rejects.toMatchObject({ code: "conflict", details: { reason: "other_thread" } });
      expect((await threadline.messages.list(thread.id)).messages).toHaveLength(1);
    });

    it("R21: an empty or over-long key is refused with bad_request", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create();
      for (const key of ["", "k".repeat(201)]) {
        await expect(
          threadline.messages.append(thread.id, userText("x"), { idempotencyKey: key }),
        ).rejects.toMatchObject({ code: "bad_request" });
      }
      await threadline.messages.append(thread.id, userText("x"), {
        idempotencyKey: "k".repeat(200),
      });
    });

    it("R21: the claim stale time is configurable (inboundClaimStaleMs)", async () => {
      const { threadline, clock } = await openRuns(backend, { inboundClaimStaleMs: 5_000 });
      const thread = await threadline.threads.create();
      const slow = holdNextStore(threadline.store);
      const holder = threadline.messages
        .append(thread.id, userText("slow"), { idempotencyKey: "k" })
        .catch((e) => e);
      await slow.reached;
      clock.advance(5_001);
      await threadline.messages.append(thread.id, userText("taker", "m-taker"), {
        idempotencyKey: "k",
      });
      slow.release();
      expect(await holder).toMatchObject({ code: "conflict" });
      expect((await threadline.messages.list(thread.id)).messages.map((m) => m.id)).toEqual([
        "m-taker",
      ]);
    });
  });
}
