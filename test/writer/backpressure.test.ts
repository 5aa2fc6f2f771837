import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";

for (const backend of BACKENDS) {
  describe(`writer backpressure [${backend.name}]`, () => {
    it("R3, R6: a producer that never yields to the event loop (await write(delta) in a loop) still gets its deltas committed every couple of windows: an overdue write lets the event loop turn", async () => {
      const { threadline } = await openThreadline(backend, { clock: systemClock, windowMs: 20 });
      const thread = await threadline.threads.create();
      const writer = await threadline.writers.open(thread.id);
      await writer.write({ type: "text-start", id: "t" });
      const commits: number[] = [];
      threadline.events.on("writer:commit", ({ urgent }) => {
        if (!urgent) commits.push(performance.now());
      });
      const started = performance.now();
      let deltas = 0;
      // No timer can run between these writes unless a write itself waits.
      while (performance.now() - started < 400) {
        await writer.write({ type: "text-delta", id: "t", delta: "x" });
        deltas += 1;
      }
      const loopEnded = performance.now();
      // Ticks ran during the loop, not only after it.
      expect(commits.filter((at) => at < loopEnded).length).toBeGreaterThanOrEqual(3);
      await writer.finish();
      const stored = await threadline.store.getMessage("default", writer.id);
      expect(textOf(stored ?? { parts: [] })).toBe("x".repeat(deltas));
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.at(-1)?.type).toBe("message.finished");
    });
  });
}
