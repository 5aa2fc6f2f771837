/**
 * Recorded speed: offsets derived from recorded events, the speed multiplier, and playing chunks at
 * their offsets with an injected clock.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import {
  eventOffsets,
  paceChunks,
  type RecordedChunk,
  readProviderEvents,
  readUiMessageStreamRecording,
  replayProviderRecording,
} from "../../src/replay/index.js";
import { collect, readRecording } from "./recordings.js";

const flush = () => new Promise((resolve) => setImmediate(resolve));

function recorded(offsetMs: number): RecordedChunk {
  return { chunk: { type: "start-step" }, offsetMs, sourceIndex: 0 };
}

describe("offsets of provider replays", () => {
  it("puts each chunk at the provider event it came from, 20 ms per event by default", async () => {
    const file = readRecording("anthropic/anthropic-text.chunks.txt");
    const events = readProviderEvents(file).payloads;
    const chunks = await collect(replayProviderRecording(file));
    for (const { chunk, sourceIndex, offsetMs } of chunks) {
      expect(offsetMs).toBe(sourceIndex * 20);
      if (chunk.type === "text-delta") {
        expect(events[sourceIndex]).toContain(JSON.stringify(chunk.delta).slice(1, -1));
      }
    }
    expect(chunks[0]).toMatchObject({ sourceIndex: 0, offsetMs: 0 });
    expect(chunks.at(-1)).toMatchObject({ sourceIndex: events.length - 1 });
  });

  it("attributes every text delta of a 300-event chat stream to its own event", async () => {
    const file = readRecording("openai/openai-text.chunks.txt");
    const events = readProviderEvents(file).payloads;
    const deltas = (await collect(replayProviderRecording(file))).filter(
      ({ chunk }) => chunk.type === "text-delta",
    );
    expect(deltas.length).toBeGreaterThan(250);
    for (const { chunk, sourceIndex } of deltas) {
      const delta = chunk.type === "text-delta" ? chunk.delta : "";
      expect(JSON.parse(events[sourceIndex] ?? "{}").choices[0].delta.content).toBe(delta);
    }
  });

  it("never goes back in time", async () => {
    const file = readRecording("openai/openai-reasoning-encrypted-content.1.chunks.txt");
    const offsets = (await collect(replayProviderRecording(file))).map(({ offsetMs }) => offsetMs);
    expect(offsets).toStrictEqual([...offsets].sort((a, b) => a - b));
  });

  it("scales with eventIntervalMs and speed, leaving the chunks unchanged", async () => {
    const file = readRecording("google/google-text.chunks.txt");
    const normal = await collect(replayProviderRecording(file));
    const fast = await collect(replayProviderRecording(file, { eventIntervalMs: 50, speed: 4 }));
    expect(fast.map(({ chunk }) => chunk)).toStrictEqual(normal.map(({ chunk }) => chunk));
    expect(fast.map(({ offsetMs }) => offsetMs)).toStrictEqual(
      normal.map(({ sourceIndex }) => (sourceIndex * 50) / 4),
    );
  });
});

describe("offsets of UI message stream recordings", () => {
  it("spaces chunks by eventIntervalMs ÷ speed", () => {
    const text =
      'data: {"type":"start"}\n\n: ping\n\ndata: {"type":"start-step"}\n\ndata: [DONE]\n\n';
    expect(readUiMessageStreamRecording(text, { eventIntervalMs: 30, speed: 3 })).toStrictEqual([
      { chunk: { type: "start" }, offsetMs: 0, sourceIndex: 0 },
      { chunk: { type: "start-step" }, offsetMs: 10, sourceIndex: 1 },
    ]);
  });
});

describe("eventOffsets", () => {
  it("maps an event index to index × interval ÷ speed", () => {
    expect(eventOffsets()(3)).toBe(60);
    expect(eventOffsets({ eventIntervalMs: 10, speed: 0.5 })(3)).toBe(60);
    expect(eventOffsets({ eventIntervalMs: 0 })(99)).toBe(0);
  });

  it("rejects a speed that is not a positive finite number", () => {
    for (const speed of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => eventOffsets({ speed })).toThrow("speed must be a finite number > 0");
    }
  });
});

describe("paceChunks", () => {
  it("yields each chunk when its offset is due, and due chunks at once", async () => {
    const clock = new ManualClock(1_000);
    const paced = paceChunks([recorded(0), recorded(50), recorded(50), recorded(120)], { clock });
    const iterator = paced[Symbol.asyncIterator]();

    expect((await iterator.next()).value?.offsetMs).toBe(0);
    let settled = false;
    const second = iterator.next().then((result) => {
      settled = true;
      return result;
    });
    await flush();
    clock.advance(49);
    await flush();
    expect(settled).toBe(false);
    clock.advance(1);
    expect((await second).value?.offsetMs).toBe(50);
    expect((await iterator.next()).value?.offsetMs).toBe(50);
    expect(clock.pendingTimers).toBe(0);

    const fourth = iterator.next();
    await flush();
    clock.advance(70);
    expect((await fourth).value?.offsetMs).toBe(120);
    expect((await iterator.next()).done).toBe(true);
  });

  it("catches up instead of drifting when the consumer is late", async () => {
    const clock = new ManualClock(0);
    const iterator = paceChunks([recorded(0), recorded(10), recorded(20)], { clock })[
      Symbol.asyncIterator
    ]();
    await iterator.next();
    clock.advance(100);
    expect((await iterator.next()).value?.offsetMs).toBe(10);
    expect((await iterator.next()).value?.offsetMs).toBe(20);
    expect(clock.pendingTimers).toBe(0);
  });

  it("stops waiting when the signal aborts", async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const iterator = paceChunks([recorded(0), recorded(1_000)], {
      clock,
      signal: controller.signal,
    })[Symbol.asyncIterator]();
    await iterator.next();
    const pending = iterator.next();
    await flush();
    controller.abort(new Error("stopped"));
    await expect(pending).rejects.toThrow("stopped");
    expect(clock.pendingTimers).toBe(0);
  });

  it("plays at real time with the default clock", async () => {
    const started = performance.now();
    const chunks = await collect(paceChunks([recorded(0), recorded(30)]));
    expect(chunks).toHaveLength(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});
