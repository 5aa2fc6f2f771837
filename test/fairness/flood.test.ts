/**
 * R33 (issue 8 item 6, "one flooding workspace vs another's latency, on both backends"): workspace
 * A runs many streams writing as fast as they can, far above its chunk rate, while workspace B
 * streams at a normal pace. B's delta→subscriber latency stays within its bound measured alone,
 * and A's streams all slow alike: none starves. Real clock (latency is the point), ~3 s a backend.
 *
 * Measured on the 2-core dev machine (16 A streams, B a delta every 20 ms): with A unlimited (its
 * producers yielding once per chunk) B's p95 went 52 → 176 ms on PostgreSQL and 38 → 51 ms on
 * SQLite; with A held to 200 chunks/s it stayed 63 → 58 and 40 → 36 ms.
 */
import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";

const A_STREAMS = 16;
const A_CHUNKS_PER_SECOND = 200;
const B_INTERVAL_MS = 20;
const PHASE_MS = 1_200;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * Streams one message into a thread of `workspace` "b", a marked delta every `B_INTERVAL_MS` for
 * `durationMs`, and measures each delta's time from `write` to its subscriber (ms).
 */
async function measureB(threadline: Threadline, durationMs: number): Promise<number[]> {
  const b = threadline.workspace("b");
  const thread = await b.threads.create();
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const stop = new AbortController();
  const subscription = b.subscribe(thread.id, { signal: stop.signal });
  const items = subscription[Symbol.asyncIterator]();
  await items.next(); // the snapshot: live from here
  const reading = (async () => {
    for (let next = await items.next(); !next.done; next = await items.next()) {
      const event = next.value;
      if (event.type !== "message.delta") continue;
      const now = performance.now();
      for (const chunk of event.data.chunks) {
        if (chunk.type !== "text-delta") continue;
        for (const [, mark] of chunk.delta.matchAll(/\|(\d+)/g)) {
          const at = sentAt.get(Number(mark));
          if (at !== undefined) latencies.push(now - at);
        }
      }
    }
  })();
  const writer = await b.writers.open(thread.id);
  await writer.write({ type: "start" });
  await writer.write({ type: "text-start", id: "t" });
  const end = performance.now() + durationMs;
  for (let i = 0; performance.now() < end; i += 1) {
    sentAt.set(i, performance.now());
    await writer.write({ type: "text-delta", id: "t", delta: `|${i}` });
    await sleep(B_INTERVAL_MS);
  }
  await writer.finish();
  await sleep(100);
  stop.abort();
  await reading;
  return latencies;
}

/**
 * A's streams, all opened and started first, then each writing deltas as fast as its writes
 * return until `until` aborts. `throttled` resolves once A's burst is spent (its first write had
 * to wait); `counts` gives each stream's deltas written from then on.
 */
function flood(threadline: Threadline, until: AbortSignal) {
  const a = threadline.workspace("a");
  let counting = false;
  const throttled = new Promise<void>((resolve) => {
    const off = threadline.events.on("workspace:waited", ({ workspaceId }) => {
      if (workspaceId !== "a") return;
      counting = true;
      off();
      resolve();
    });
  });
  const counts = (async () => {
    const thread = await a.threads.create();
    const writers = await Promise.all(
      Array.from({ length: A_STREAMS }, () => a.writers.open(thread.id)),
    );
    await Promise.all(writers.map((writer) => writer.write({ type: "start" })));
    return Promise.all(
      writers.map(async (writer) => {
        await writer.write({ type: "text-start", id: "t" });
        let written = 0;
        let counted = 0;
        while (!until.aborted) {
          await writer.write({ type: "text-delta", id: "t", delta: "flood " });
          written += 1;
          if (counting) counted += 1;
        }
        await writer.finish();
        const text = writer.message.parts.find((p) => p.type === "text");
        expect(text?.type === "text" && text.text.length).toBe(written * "flood ".length); // none lost
        return counted;
      }),
    );
  })();
  return { throttled, counts };
}

for (const backend of BACKENDS) {
  describe(`one workspace flooding [${backend.name}]`, () => {
    it("keeps another workspace's latency and slows every one of its own streams alike", async () => {
      const { threadline } = await openThreadline(backend, {
        clock: systemClock,
        workspaceLimits: { byWorkspace: { a: { chunksPerSecond: A_CHUNKS_PER_SECOND } } },
      });
      const alone = await measureB(threadline, PHASE_MS);

      const stopFlood = new AbortController();
      const flooding = flood(threadline, stopFlood.signal);
      await flooding.throttled; // A's burst is spent: it is held to its rate from here
      const started = performance.now();
      const loaded = await measureB(threadline, PHASE_MS);
      stopFlood.abort();
      const perStream = await flooding.counts;
      const floodSeconds = (performance.now() - started) / 1_000;

      const p95Alone = quantile(alone, 0.95);
      const p95Loaded = quantile(loaded, 0.95);
      const total = perStream.reduce((sum, n) => sum + n, 0);
      const mean = total / perStream.length;
      const spread = (Math.max(...perStream) - Math.min(...perStream)) / mean;
      console.info(
        `[${backend.name}] B delta→subscriber p50/p95 alone ${quantile(alone, 0.5).toFixed(1)}/${p95Alone.toFixed(1)} ms, ` +
          `with A flooding ${quantile(loaded, 0.5).toFixed(1)}/${p95Loaded.toFixed(1)} ms; ` +
          `A ${total} chunks in ${floodSeconds.toFixed(2)} s (limit ${A_CHUNKS_PER_SECOND}/s), ` +
          `per stream ${Math.min(...perStream)}–${Math.max(...perStream)} (spread ${(spread * 100).toFixed(1)} %)`,
      );
      expect(alone.length).toBeGreaterThan(20);
      expect(loaded.length).toBeGreaterThan(20);
      expect(p95Loaded).toBeLessThanOrEqual(Math.max(2 * p95Alone, p95Alone + 40));
      // Past its burst A was held to its rate, and no stream of it starved.
      expect(total).toBeLessThanOrEqual(A_CHUNKS_PER_SECOND * (floodSeconds + 0.1) + A_STREAMS);
      expect(Math.min(...perStream)).toBeGreaterThan(0);
      expect(spread).toBeLessThanOrEqual(0.2);
    }, 20_000);
  });
}
