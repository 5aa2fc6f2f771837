import { describe, expect, it } from "vitest";
import { BACKENDS } from "../support/backends.js";
import { logOf, take } from "../support/helpers.js";
import { listRunTriggers } from "../support/inspect-store.js";
import { advance, DEBOUNCE_MS, openRuns, runTexts, userText } from "./support.js";

// multica's pendingBatcher cases (seed 004), restated for durable triggers, plus R22's options.
for (const backend of BACKENDS) {
  describe(`run triggers [${backend.name}]`, () => {
    it("R22: three messages on one thread inside the window make one run carrying all three", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      for (const text of ["forwarded transcript", "a note", "and one more"]) {
        await threadline.messages.append(thread.id, userText(text));
        await advance(threadline, clock, 1_000);
      }
      expect(runs).toHaveLength(0);
      const [pending] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(pending).toMatchObject({ status: "pending", generation: 3 });

      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs).toHaveLength(1);
      expect(runTexts(runs[0]!)).toEqual(["forwarded transcript", "a note", "and one more"]);
      expect(runs[0]).toMatchObject({
        workspaceId: "default",
        threadId: thread.id,
        triggerId: pending?.triggerId,
        forceFresh: false,
        options: {},
        attempt: 1,
      });
      await advance(threadline, clock, 60_000);
      expect(runs).toHaveLength(1);
    });

    it("R22: a burst of 25 user messages inside the window is one run with all 25, in order", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const texts = Array.from({ length: 25 }, (_, i) => `message ${i}`);
      for (const text of texts) {
        await threadline.messages.append(thread.id, userText(text));
        await advance(threadline, clock, 100);
      }
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs).toHaveLength(1);
      expect(runTexts(runs[0]!)).toEqual(texts);
    });

    it("R22: the debounce is trailing — each message moves the window; no run until it is quiet", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("one"));
      await advance(threadline, clock, DEBOUNCE_MS - 1);
      await threadline.messages.append(thread.id, userText("two"));
      await advance(threadline, clock, DEBOUNCE_MS - 1);
      expect(runs).toHaveLength(0);
      await advance(threadline, clock, 1);
      expect(runs.map(runTexts)).toEqual([["one", "two"]]);
    });

    it("R22: a stale timer is a no-op — the timer of a moved window finds nothing due", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const t0 = clock.now();
      await threadline.messages.append(thread.id, userText("first"));
      await advance(threadline, clock, 2_000);
      await threadline.messages.append(thread.id, userText("second"));
      // The first message's timer (due t0 + 3 s) fires now: the window moved to t0 + 5 s.
      await advance(threadline, clock, 1_000);
      expect(clock.now()).toBe(t0 + DEBOUNCE_MS);
      expect(runs).toHaveLength(0);
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "pending", dueAt: t0 + 2_000 + DEBOUNCE_MS });
      await threadline.runs.fireDue();
      expect(runs).toHaveLength(0);
      await advance(threadline, clock, 2_000);
      expect(runs.map(runTexts)).toEqual([["first", "second"]]);
    });

    it("R22: two threads have independent windows and runs", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const a = await threadline.threads.create({ id: "a" });
      const b = await threadline.threads.create({ id: "b" });
      await threadline.messages.append(a.id, userText("for a"));
      await advance(threadline, clock, 2_000);
      await threadline.messages.append(b.id, userText("for b"));
      await advance(threadline, clock, 1_000);
      expect(runs.map((r) => [r.threadId, runTexts(r)])).toEqual([["a", ["for a"]]]);
      await advance(threadline, clock, 2_000);
      expect(runs.map((r) => [r.threadId, runTexts(r)])).toEqual([
        ["a", ["for a"]],
        ["b", ["for b"]],
      ]);
      expect(new Set(runs.map((r) => r.triggerId)).size).toBe(2);
    });

    it("R22: a run carries only the user messages since the last assistant message; a later message starts a new run", async () => {
      const { threadline, clock, runs } = await openRuns(backend, { windowMs: 0 });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("question 1"));
      await advance(threadline, clock, DEBOUNCE_MS);
      const answer = await threadline.writers.open(thread.id);
      await answer.write({ type: "text-start", id: "t" });
      await answer.write({ type: "text-delta", id: "t", delta: "answer 1" });
      await answer.finish();
      await threadline.messages.append(thread.id, {
        role: "system",
        parts: [{ type: "text", text: "a system note" }],
      });
      await threadline.messages.append(thread.id, userText("question 2"));
      await threadline.messages.append(thread.id, userText("question 3"));
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs.map(runTexts)).toEqual([["question 1"], ["question 2", "question 3"]]);
    });

    it("R22: assistant and system messages arm no trigger", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, {
        role: "assistant",
        parts: [{ type: "text", text: "hello" }],
      });
      await threadline.messages.append(thread.id, {
        role: "system",
        parts: [{ type: "text", text: "note" }],
      });
      await advance(threadline, clock, DEBOUNCE_MS * 2);
      expect(runs).toHaveLength(0);
      expect(await listRunTriggers(threadline.store, "default", thread.id)).toEqual([]);
    });

    it("R22: forceFresh is sticky for the window and the latest options win", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("1"), {
        run: { forceFresh: true, model: "large", temperature: 0.2 },
      });
      await threadline.messages.append(thread.id, userText("2"), {
        run: { forceFresh: false, model: "small" },
      });
      // No options (or only the flag) keeps the window's options.
      await threadline.messages.append(thread.id, userText("3"));
      await threadline.messages.append(thread.id, userText("4"), { run: { forceFresh: false } });
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ forceFresh: true, options: { model: "small" } });

      // The flag is sticky for one window only.
      await threadline.messages.append(thread.id, userText("5"));
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs[1]).toMatchObject({ forceFresh: false, options: {} });
    });

    it("R22: bad run options are refused with bad_request and store nothing", async () => {
      const { threadline } = await openRuns(backend);
      const thread = await threadline.threads.create();
      for (const run of [[1], "fast", { forceFresh: "yes" }, { big: "x".repeat(17_000) }]) {
        await expect(
          threadline.messages.append(thread.id, userText("hi"), { run: run as never }),
        ).rejects.toMatchObject({ code: "bad_request" });
      }
      expect((await threadline.messages.list(thread.id)).messages).toEqual([]);
    });

    it("R22: a fired run is logged as run.triggered {triggerId, messageIds, forceFresh}, live to subscribers", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      const subscription = threadline.subscribe(thread.id, { after: 1 });
      const iterator = subscription[Symbol.asyncIterator]();
      const m1 = await threadline.messages.append(thread.id, userText("a"), {
        run: { forceFresh: true },
      });
      const m2 = await threadline.messages.append(thread.id, userText("b"));
      await advance(threadline, clock, DEBOUNCE_MS);
      const data = { triggerId: runs[0]?.triggerId, messageIds: [m1.id, m2.id], forceFresh: true };
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.at(-1)).toMatchObject({ type: "run.triggered", seq: 4, data });
      const live = await take(iterator, 3);
      expect(live.map((item) => item.type)).toEqual([
        "message.created",
        "message.created",
        "run.triggered",
      ]);
      await iterator.return?.();
    });

    it("R22: a replayed idempotency key does not re-arm the window", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("once"), { idempotencyKey: "k" });
      await advance(threadline, clock, 2_000);
      await threadline.messages.append(thread.id, userText("once"), { idempotencyKey: "k" });
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger?.generation).toBe(1);
      await advance(threadline, clock, 1_000);
      expect(runs.map(runTexts)).toEqual([["once"]]);
    });

    it("R20/R22: deleting a thread drops its pending trigger", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("gone soon"));
      await threadline.threads.delete(thread.id);
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs).toHaveLength(0);
      expect(await listRunTriggers(threadline.store, "default", thread.id)).toEqual([]);
    });
  });
}
