/**
 * R33 (issue 8 item 6): past its chunk or byte rate a workspace's writes wait their turn — the
 * right fake-clock time, first come first served over its streams, nothing lost, terminal chunks
 * never held — while a complete message past the rate is refused at once, and other workspaces
 * are not slowed at all.
 */
import { describe, expect, it } from "vitest";
import type { ManualClock } from "../../src/clock.js";
import type { WorkspaceLimitsOptions } from "../../src/fairness/workspace-limits.js";
import type { ThreadlineEventMap } from "../../src/observe.js";
import type { MessageWriter } from "../../src/writer/message-writer.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Starts a write and records the fake-clock time it returned at. */
function timed(clock: ManualClock, write: Promise<void>) {
  const record = { at: undefined as number | undefined, error: undefined as unknown };
  write.then(
    () => (record.at = clock.now()),
    (error) => (record.error = error),
  );
  return record;
}

/** Advances the fake clock `ms` at a time, letting the event loop run between steps. */
async function advance(clock: ManualClock, totalMs: number, stepMs = 10) {
  for (let done = 0; done < totalMs; done += stepMs) {
    clock.advance(Math.min(stepMs, totalMs - done));
    await settle();
  }
}

const delta = (text: string) => ({ type: "text-delta" as const, id: "t", delta: text });

for (const backend of BACKENDS) {
  describe(`workspace chunk and byte rates [${backend.name}]`, () => {
    async function open(workspaceLimits: WorkspaceLimitsOptions) {
      const opened = await openThreadline(backend, { workspaceLimits });
      const waited: ThreadlineEventMap["workspace:waited"][] = [];
      opened.threadline.events.on("workspace:waited", (event) => waited.push(event));
      const thread = await opened.threadline.threads.create();
      return { ...opened, thread, waited };
    }

    async function started(writer: MessageWriter) {
      await writer.write({ type: "start" });
      await writer.write({ type: "text-start", id: "t" });
    }

    it("past the burst a write waits exactly until its token, and the text is whole", async () => {
      const { threadline, clock, thread, waited } = await open({
        default: { chunksPerSecond: 10 },
      });
      const writer = await threadline.writers.open(thread.id);
      await started(writer); // 2 of the 10 tokens
      const t0 = clock.now();
      for (let i = 0; i < 8; i += 1) await writer.write(delta(`${i}`)); // the rest of the burst
      expect(clock.now()).toBe(t0);
      const ninth = timed(clock, writer.write(delta("8")));
      await settle();
      expect(ninth.at).toBeUndefined();
      await advance(clock, 99, 33);
      expect(ninth.at).toBeUndefined();
      await advance(clock, 1);
      expect(ninth.at).toBe(t0 + 100);
      expect(waited).toEqual([{ workspaceId: "default", limit: "chunks", waitMs: 100 }]);
      const end = writer.write({ type: "text-end", id: "t" }); // structural: waits, then commits
      await advance(clock, 100);
      await end;
      expect(waited[1]).toEqual({ workspaceId: "default", limit: "chunks", waitMs: 100 });
      await writer.finish();
      expect((await threadline.messages.get(writer.id)).parts).toContainEqual(
        expect.objectContaining({ type: "text", text: "012345678" }),
      );
    });

    it("streams of one workspace take turns first come first served; another workspace never waits", async () => {
      const { threadline, clock, thread } = await open({
        default: { chunksPerSecond: 4 },
        byWorkspace: { other: { chunksPerSecond: Number.POSITIVE_INFINITY } },
      });
      const a = await threadline.writers.open(thread.id);
      const b = await threadline.writers.open(thread.id);
      await started(a);
      await started(b); // the burst is spent
      const t0 = clock.now();
      const a1 = timed(clock, a.write(delta("a1")));
      const b1 = timed(clock, b.write(delta("b1")));
      const other = threadline.workspace("other");
      const otherWriter = await other.writers.open((await other.threads.create()).id);
      await started(otherWriter);
      for (let i = 0; i < 50; i += 1) await otherWriter.write(delta("x")); // never waits
      expect(clock.now()).toBe(t0);
      await advance(clock, 250);
      expect([a1.at, b1.at]).toEqual([t0 + 250, undefined]);
      const a2 = timed(clock, a.write(delta("a2")));
      await advance(clock, 250);
      expect([b1.at, a2.at]).toEqual([t0 + 500, undefined]);
      await advance(clock, 250);
      // a's last commit may still be running (PostgreSQL takes real time while the fake clock
      // jumps): a delta written with its message's change that old lets the event loop turn once
      // more before resolving — at the same fake time.
      await settle();
      expect(a2.at).toBe(t0 + 750);
      await Promise.all([a.finish(), b.finish()]);
      const texts = await Promise.all([a, b].map((w) => threadline.messages.get(w.id)));
      expect(texts.map((m) => m.parts.find((p) => p.type === "text"))).toEqual([
        expect.objectContaining({ text: "a1a2" }),
        expect.objectContaining({ text: "b1" }),
      ]);
    });

    it("the byte rate holds a write until its bytes have flowed in", async () => {
      const { threadline, clock, thread, waited } = await open({
        default: { bytesPerSecond: 1_000 },
      });
      const writer = await threadline.writers.open(thread.id);
      await started(writer);
      await writer.write(delta("x".repeat(900))); // with start and text-start, ~990 bytes counted
      const next = timed(clock, writer.write(delta("y".repeat(500)))); // 540 more
      await advance(clock, 500);
      expect(next.at).toBeUndefined();
      await advance(clock, 100);
      expect(next.at).toBeDefined();
      expect(waited).toEqual([
        { workspaceId: "default", limit: "bytes", waitMs: expect.any(Number) },
      ]);
      expect(waited[0]?.waitMs).toBeGreaterThan(500);
      expect(waited[0]?.waitMs).toBeLessThanOrEqual(600);
    });

    it("terminal chunks never wait: a message can always end", async () => {
      const { threadline, thread } = await open({ default: { chunksPerSecond: 2 } });
      const writer = await threadline.writers.open(thread.id);
      await started(writer); // the burst is spent; the clock never moves
      await writer.finish();
      const other = await threadline.writers.open(thread.id);
      await other.abort("user left");
      expect((await threadline.messages.get(writer.id)).status).toBe("completed");
      expect((await threadline.messages.get(other.id)).status).toBe("aborted");
    });

    it("a stop releases a write waiting for its turn at once (R28)", async () => {
      const { threadline, clock, thread } = await open({ default: { chunksPerSecond: 2 } });
      const writer = await threadline.writers.open(thread.id);
      await started(writer);
      const waiting = timed(clock, writer.write(delta("late")));
      await settle();
      const { stopped } = await threadline.stop(thread.id);
      expect(stopped).toBe(true);
      await settle();
      expect(waiting.error).toMatchObject({ code: "message_finalized" });
    });

    it("a complete message past the rate is refused rate_limited with the time to wait", async () => {
      const { threadline, thread } = await open({ default: { chunksPerSecond: 2 } });
      const user = { role: "user" as const, parts: [{ type: "text" as const, text: "hi" }] };
      await threadline.messages.append(thread.id, user);
      await threadline.messages.append(thread.id, user);
      await expect(threadline.messages.append(thread.id, user)).rejects.toThrow(
        expect.objectContaining({
          code: "rate_limited",
          details: { limit: "chunks", max: 2, workspaceId: "default", retryAfterMs: 500 },
        }),
      );
      const { messages } = await threadline.messages.list(thread.id);
      expect(messages).toHaveLength(2);
    });

    it("close lets a waiting write go: its message ends aborted with what it had", async () => {
      const { threadline, clock, thread } = await open({ default: { chunksPerSecond: 2 } });
      const writer = await threadline.writers.open(thread.id);
      await started(writer);
      const waiting = timed(clock, writer.write(delta("tail")));
      await settle();
      await threadline.close();
      await settle();
      expect(waiting.at !== undefined || waiting.error !== undefined).toBe(true);
      expect(writer.message.status).toBe("aborted");
    });
  });
}
