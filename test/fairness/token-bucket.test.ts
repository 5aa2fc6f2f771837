/**
 * R33: the token bucket and the per-workspace rate gate behind `chunksPerSecond` and
 * `bytesPerSecond`, driven by a fake clock.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { RateGate } from "../../src/fairness/rate-gate.js";
import { TokenBucket } from "../../src/fairness/token-bucket.js";
import { resolveWorkspaceLimits } from "../../src/fairness/workspace-limits.js";
import { EventHub, type ThreadlineEventMap } from "../../src/observe.js";

describe("TokenBucket", () => {
  it("starts full with one second's worth, and refills continuously up to it", () => {
    const bucket = new TokenBucket(10, 0);
    expect(bucket.available(0)).toBe(10);
    bucket.take(10, 0);
    expect(bucket.waitMs(1, 0)).toBe(100);
    expect(bucket.available(50)).toBeCloseTo(0.5);
    expect(bucket.waitMs(1, 100)).toBe(0);
    expect(bucket.available(5_000)).toBe(10); // capped at the burst
  });

  it("lets an amount above its capacity through once full, and the debt delays what follows", () => {
    const bucket = new TokenBucket(1_000, 0); // 1 000 bytes per second
    expect(bucket.waitMs(5_000, 0)).toBe(0); // full: a 5 KB chunk may go
    bucket.take(5_000, 0);
    expect(bucket.available(0)).toBe(-4_000);
    expect(bucket.waitMs(1, 0)).toBe(4_001); // 4 s to pay the debt, then 1 ms for the byte
    expect(bucket.waitMs(1_000, 4_000)).toBe(1_000);
  });

  it("never lets time run backwards refill it", () => {
    const bucket = new TokenBucket(10, 1_000);
    bucket.take(10, 1_000);
    expect(bucket.available(500)).toBe(0);
    expect(bucket.available(1_100)).toBeCloseTo(1);
  });
});

function gateOf(limits: { chunksPerSecond?: number; bytesPerSecond?: number }) {
  const clock = new ManualClock(0);
  const hub = new EventHub();
  const waited: ThreadlineEventMap["workspace:waited"][] = [];
  hub.on("workspace:waited", (event) => waited.push(event));
  const resolved = resolveWorkspaceLimits({ default: limits }).of("acme");
  return { gate: new RateGate("acme", resolved, clock, hub), clock, waited };
}

/** Admits a write and records when it got its turn. */
function admitted(
  gate: RateGate,
  clock: ManualClock,
  bytes = 0,
  signal = new AbortController().signal,
) {
  const record = { at: undefined as number | undefined };
  const turn = gate.admit(bytes, signal);
  if (turn === undefined) record.at = clock.now();
  else void turn.then(() => (record.at = clock.now()));
  return record;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("RateGate (R33)", () => {
  it("takes the burst at once, then releases one write per token, first come first served", async () => {
    const { gate, clock, waited } = gateOf({ chunksPerSecond: 4 });
    const burst = [0, 1, 2, 3].map(() => admitted(gate, clock));
    expect(burst.map((r) => r.at)).toEqual([0, 0, 0, 0]);
    const a = admitted(gate, clock);
    const b = admitted(gate, clock);
    const c = admitted(gate, clock);
    await settle();
    expect([a.at, b.at, c.at]).toEqual([undefined, undefined, undefined]);
    clock.advance(249);
    await settle();
    expect(a.at).toBeUndefined();
    clock.advance(1);
    await settle();
    expect([a.at, b.at, c.at]).toEqual([250, undefined, undefined]);
    clock.advance(250);
    await settle();
    expect([b.at, c.at]).toEqual([500, undefined]);
    clock.advance(250);
    await settle();
    expect(c.at).toBe(750);
    expect(waited.map((w) => [w.limit, w.waitMs])).toEqual([
      ["chunks", 250],
      ["chunks", 500],
      ["chunks", 750],
    ]);
  });

  it("a write arriving while others wait queues behind them even when its tokens are there", async () => {
    const { gate, clock } = gateOf({ bytesPerSecond: 1_000 });
    admitted(gate, clock, 1_000);
    const big = admitted(gate, clock, 800); // needs 800 ms
    clock.advance(300);
    const small = admitted(gate, clock, 100); // 300 bytes are there, but `big` is first in line
    await settle();
    expect(small.at).toBeUndefined();
    clock.advance(500);
    await settle();
    expect(big.at).toBe(800);
    expect(small.at).toBeUndefined();
    clock.advance(100);
    await settle();
    expect(small.at).toBe(900);
  });

  it("waits for bytes as well as chunks: whichever limit is shorter holds the write", async () => {
    const { gate, clock, waited } = gateOf({ chunksPerSecond: 100, bytesPerSecond: 1_000 });
    expect(admitted(gate, clock, 1_000).at).toBe(0);
    const next = admitted(gate, clock, 500);
    clock.advance(499);
    await settle();
    expect(next.at).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(next.at).toBe(500);
    expect(waited[0]).toMatchObject({ limit: "bytes", waitMs: 500 });
  });

  it("an aborted waiter leaves the line at once and the next one moves up", async () => {
    const { gate, clock } = gateOf({ chunksPerSecond: 1 });
    admitted(gate, clock);
    const stop = new AbortController();
    const stopped = admitted(gate, clock, 0, stop.signal);
    const after = admitted(gate, clock);
    stop.abort();
    await settle();
    expect(stopped.at).toBe(0);
    clock.advance(1_000);
    await settle();
    expect(after.at).toBe(1_000);
  });

  it("refuses a complete message that would wait, with the time the line and it need", () => {
    const { gate, clock } = gateOf({ chunksPerSecond: 2 });
    gate.takeOrRefuse(0);
    gate.takeOrRefuse(0);
    admitted(gate, clock); // one write waits
    expect(() => gate.takeOrRefuse(0)).toThrow(
      expect.objectContaining({
        code: "rate_limited",
        status: 429,
        details: { limit: "chunks", max: 2, workspaceId: "acme", retryAfterMs: 1_000 },
      }),
    );
  });

  it("close lets every waiting write go", async () => {
    const { gate, clock } = gateOf({ chunksPerSecond: 1 });
    admitted(gate, clock);
    const waiting = [admitted(gate, clock), admitted(gate, clock)];
    gate.close();
    await settle();
    expect(waiting.map((w) => w.at)).toEqual([0, 0]);
    expect(clock.pendingTimers).toBe(0);
  });
});
