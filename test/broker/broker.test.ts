import { describe, expect, it } from "vitest";
import { Broker } from "../../src/broker/broker.js";
import { ManualClock } from "../../src/clock.js";
import { EventHub } from "../../src/observe.js";
import type { ThreadEvent } from "../../src/protocol/events.js";

function event(seq: number, type: ThreadEvent["type"] = "message.delta"): ThreadEvent {
  return {
    type,
    threadId: "t",
    seq,
    messageId: "m",
    revision: seq,
    createdAt: 0,
    data: type === "message.delta" ? { chunks: [] } : {},
  } as ThreadEvent;
}

// crush's broker cases (seed 001): lossy vs must-deliver, each with its own counter (R12).
describe("broker", () => {
  it("R12: a lossy publish to a full queue drops, counts, and marks the subscriber behind", () => {
    const hub = new EventHub();
    const drops: string[] = [];
    hub.on("broker:drop", (d) => drops.push(d.delivery));
    const broker = new Broker(new ManualClock(), hub, { queueCapacity: 1 });
    const queue = broker.register("w", "t");
    for (let seq = 1; seq <= 100; seq++) broker.publishLossy("w", event(seq));
    expect(broker.lossyDrops).toBe(99);
    expect(broker.reliableDrops).toBe(0);
    expect(queue.behind).toBe(true);
    expect(queue.shift()?.seq).toBe(1);
    expect(drops).toHaveLength(99);
  });

  it("R12: a reliable publish to a full queue waits the bounded time, then drops into its own counter", async () => {
    const clock = new ManualClock();
    const broker = new Broker(clock, new EventHub(), { queueCapacity: 1, reliableTimeoutMs: 20 });
    broker.register("w", "t");
    broker.publishLossy("w", event(1));
    let done = false;
    const publish = broker.publishReliable("w", event(2, "message.finished")).then(() => {
      done = true;
    });
    clock.advance(19);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await publish;
    expect(broker.reliableDrops).toBe(1);
    expect(broker.lossyDrops).toBe(0);
  });

  it("R12: reliable publishes all reach a subscriber that keeps reading, without drops", async () => {
    const clock = new ManualClock();
    const broker = new Broker(clock, new EventHub(), { queueCapacity: 1, reliableTimeoutMs: 50 });
    const queue = broker.register("w", "t");
    const received: number[] = [];
    const reader = (async () => {
      while (received.length < 10) {
        await queue.ready();
        const next = queue.shift();
        if (next) received.push(next.seq);
      }
    })();
    for (let seq = 1; seq <= 10; seq++)
      await broker.publishReliable("w", event(seq, "message.created"));
    await reader;
    expect(received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(broker.reliableDrops).toBe(0);
  });

  it("publishes only to the subscribers of that workspace's thread", () => {
    const broker = new Broker(new ManualClock(), new EventHub());
    const mine = broker.register("w", "t");
    const otherWorkspace = broker.register("x", "t");
    const otherThread = broker.register("w", "u");
    broker.publishLossy("w", event(1));
    expect(mine.shift()?.seq).toBe(1);
    expect(otherWorkspace.shift()).toBeUndefined();
    expect(otherThread.shift()).toBeUndefined();
    broker.unregister(mine);
    expect(broker.subscriberCount("w", "t")).toBe(0);
  });

  it("R20: closing a thread lets its subscribers drain what is queued, then marks them closed", () => {
    const broker = new Broker(new ManualClock(), new EventHub());
    const queue = broker.register("w", "t");
    broker.publishLossy("w", event(1));
    broker.closeThread("w", "t");
    expect(queue.closed).toBe("deleted");
    expect(queue.shift()?.seq).toBe(1);
  });
});
