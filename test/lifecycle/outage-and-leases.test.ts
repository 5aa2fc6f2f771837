/**
 * R18 and R31 across an outage of the database: no writer can renew its lease and no node can beat
 * its heartbeat while the database is down, so the time it was down must not count against them.
 * A node never sweeps the leases it renews itself (its buffered changes are written once the
 * database is back, R6/R30), and on PostgreSQL the first node back takes over no live node — while
 * a node that stays silent after the outage is still taken over within the usual bound.
 * Every node has its own fake clock and its own view of the outage (`outageSwitch`).
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { DatabaseReachability } from "../../src/lifecycle/reachability.js";
import { NODE_LOST_REASON } from "../../src/protocol/events.js";
import { openStore } from "../../src/store/open-store.js";
import type { Threadline, ThreadlineOptions } from "../../src/threadline.js";
import { BACKENDS_WITH_WORKER, type Backend, openThreadline } from "../support/backends.js";
import { drive, textOf } from "../support/helpers.js";
import { outageSwitch } from "../support/outage-store.js";

const T0 = 1_700_000_000_000;
const LEASE_TTL_MS = 3_000;
const OUTAGE_MS = 20_000; // longer than a lease and than the node timeout

/**
 * Moves `clock` by `totalMs` in `stepMs` steps; after each, waits until the commits, renewals and
 * heartbeats the step's timers started on `nodes` are done (so the fake clock never runs ahead of
 * a slow database), and lets a sweep started meanwhile reach it.
 */
async function pass(
  clock: ManualClock,
  totalMs: number,
  nodes: readonly Threadline[],
  stepMs = 250,
): Promise<void> {
  for (let moved = 0; moved < totalMs; moved += stepMs) {
    clock.advance(stepMs);
    await Promise.all(
      nodes.map(async (node) => {
        await node.nodes.idle();
        await node.idle();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** One node on a shared database, behind its own outage switch. */
async function openNode(
  backend: Backend,
  database: string,
  nodeId: string,
  options: Partial<ThreadlineOptions> & { clock?: ManualClock } = {},
) {
  const outage = outageSwitch(await openStore(database, nodeId));
  const clock = options.clock ?? new ManualClock(T0);
  const { threadline } = await openThreadline(backend, {
    database,
    store: outage.store,
    nodeId,
    clock,
    leaseTtlMs: LEASE_TTL_MS,
    sweepIntervalMs: 1_000,
    windowMs: 10,
    retryMaxMs: 500,
    unavailableAfterMs: 60_000, // producers keep waiting through the whole outage
    ...options,
  });
  return { threadline, clock, outage };
}

async function startStream(threadline: Threadline, clock: ManualClock) {
  const thread = await threadline.threads.create();
  const writer = await threadline.writers.open(thread.id);
  await writer.write({ type: "text-start", id: "t" });
  await writer.write({ type: "text-delta", id: "t", delta: "before " });
  await drive(clock, writer.flush());
  return writer;
}

describe("DatabaseReachability", () => {
  it("counts no time without an outage, none of an outage, and all of it once a period has passed since", () => {
    const reachability = new DatabaseReachability();
    expect(reachability.effectiveNow(5_000, 3_000)).toBe(5_000);
    reachability.reached(10_000);
    reachability.unreachable(12_000); // down since the last call that reached it
    expect(reachability.effectiveNow(30_000, 3_000)).toBe(10_000); // still down
    reachability.reached(40_000);
    expect(reachability.effectiveNow(40_000, 3_000)).toBe(10_000);
    expect(reachability.effectiveNow(42_999, 3_000)).toBe(12_999);
    expect(reachability.effectiveNow(43_000, 3_000)).toBe(43_000);
    // A longer period still judges by the outage.
    expect(reachability.effectiveNow(43_000, 10_000)).toBe(13_000);
    // A later outage counts alone once the earlier one is a period old, both while it is not.
    reachability.unreachable(50_000);
    reachability.reached(60_000);
    expect(reachability.effectiveNow(61_000, 3_000)).toBe(41_000);
    expect(reachability.effectiveNow(61_000, 30_000)).toBe(11_000);
  });

  it("an answer to a call sent before a known failure, or a failure of a call sent before a known answer, changes nothing", () => {
    const reachability = new DatabaseReachability();
    reachability.reached(10_000);
    reachability.unreachable(12_000);
    reachability.reached(11_000); // a slow call sent before the failure: the outage goes on
    expect(reachability.effectiveNow(30_000, 3_000)).toBe(10_000);
    reachability.reached(30_000);
    reachability.unreachable(29_000); // a slow call sent before the answer: no new outage
    expect(reachability.effectiveNow(40_000, 3_000)).toBe(40_000);
    expect(reachability.effectiveNow(31_000, 3_000)).toBe(11_000);
  });

  it("an outage seen before any call reached the database starts at that failure", () => {
    const reachability = new DatabaseReachability();
    reachability.unreachable(7_000);
    reachability.reached(9_000);
    expect(reachability.effectiveNow(9_500, 3_000)).toBe(7_500);
  });
});

for (const backend of BACKENDS_WITH_WORKER) {
  describe(`an outage longer than a lease [${backend.name}]`, () => {
    for (const first of ["the sweep", "the writer's retry"] as const) {
      it(`R18, R6: the node never sweeps its own live stream; back from the outage, ${first} first, the buffered delta is written and the message completes`, async () => {
        const database = await backend.freshDatabase({ shared: true });
        // No periodic sweep or heartbeat sees the outage, only the writer: the node's own leases
        // are left alone because they are its own, not because it saw the database go away.
        const { threadline, clock, outage } = await openNode(backend, database, "node-a", {
          sweepIntervalMs: 3_600_000,
          heartbeatMs: 1_800_000,
          nodeTimeoutMs: 3_600_000,
        });
        const writer = await startStream(threadline, clock);

        outage.down = true;
        await writer.write({ type: "text-delta", id: "t", delta: "during" });
        await pass(clock, OUTAGE_MS, [threadline]); // commits and renewals fail
        outage.down = false;

        if (first === "the sweep") {
          expect(await threadline.sweep()).toBe(0);
          await drive(clock, writer.flush());
        } else {
          await drive(clock, writer.flush());
          expect(await threadline.sweep()).toBe(0);
        }
        expect((await threadline.messages.get(writer.id)).status).toBe("streaming");
        await pass(clock, 2 * LEASE_TTL_MS, [threadline]); // the lease is renewed again
        expect(await threadline.sweep()).toBe(0);
        await writer.write({ type: "text-end", id: "t" });
        await drive(clock, writer.finish());
        const message = await threadline.messages.get(writer.id);
        expect({ status: message.status, text: textOf(message) }).toEqual({
          status: "completed",
          text: "before during",
        });
      });
    }

    it("R18: a lease this node does not hold is still swept once it expired", async () => {
      const database = await backend.freshDatabase({ shared: true });
      const producer = await openNode(backend, database, "node-a");
      const sweeper = await openNode(backend, database, "node-b", {
        sweepIntervalMs: 3_600_000, // it sweeps when the test says so
        nodeTimeoutMs: 3_600_000, // leases, not heartbeats, judge here
        heartbeatMs: 1_800_000,
      });
      const writer = await startStream(producer.threadline, producer.clock);
      // The producer's clock stops: it never renews again. No outage: the lease rules.
      sweeper.clock.advance(LEASE_TTL_MS - 1_000);
      expect(await sweeper.threadline.sweep()).toBe(0);
      sweeper.clock.advance(2_000);
      expect(await sweeper.threadline.sweep()).toBe(1);
      expect((await sweeper.threadline.messages.get(writer.id)).status).toBe("aborted");
    });
  });
}

describe("an outage of the shared database [postgres]", () => {
  const backend = BACKENDS_WITH_WORKER.find((b) => b.name === "postgres") as Backend;

  /** Two nodes on one clock: a node "dies" or "is back late" by its own outage switch. */
  async function twoNodes(leaseTtlMs: number) {
    const database = await backend.freshDatabase({ shared: true });
    const clock = new ManualClock(T0);
    const a = await openNode(backend, database, "node-a", { clock, leaseTtlMs });
    const b = await openNode(backend, database, "node-b", { clock, leaseTtlMs });
    const lost: string[] = [];
    b.threadline.events.on("lifecycle:node-lost", ({ nodeId }) => lost.push(nodeId));
    return { a, b, clock, lost, nodes: [a.threadline, b.threadline] };
  }

  it("R31, R18: the first node back takes over and sweeps nothing of a live node, which writes its buffered changes and completes; a node silent after the outage is still taken over", async () => {
    const { a, b, clock, lost, nodes } = await twoNodes(6_000);
    const live = await startStream(a.threadline, clock);
    await pass(clock, 3_000, nodes); // leases renewed and heartbeats beaten before the outage

    a.outage.down = true;
    b.outage.down = true;
    await live.write({ type: "text-delta", id: "t", delta: "during" });
    await pass(clock, OUTAGE_MS, nodes);

    // B is back first: A's heartbeat is 20 s old and its lease expired, all of it in the outage.
    b.outage.down = false;
    await pass(clock, 1_500, nodes);
    expect(await b.threadline.nodes.check()).toEqual([]);
    expect(await b.threadline.sweep()).toBe(0);
    expect((await b.threadline.messages.get(live.id)).status).toBe("streaming");

    // A is back: it writes what it buffered, renews and beats; B keeps judging.
    a.outage.down = false;
    await pass(clock, 10_000, nodes);
    expect(await b.threadline.nodes.check()).toEqual([]);
    expect(await b.threadline.sweep()).toBe(0);
    expect(lost).toEqual([]);
    await live.write({ type: "text-end", id: "t" });
    await drive(clock, live.finish());
    const completed = await b.threadline.messages.get(live.id);
    expect({ status: completed.status, text: textOf(completed) }).toEqual({
      status: "completed",
      text: "before during",
    });

    // Then A is cut off for good with a message streaming: B ends it within the usual bound (its
    // lease, 6 s, runs out before its heartbeat's 8 s).
    const orphan = await startStream(a.threadline, clock);
    a.outage.down = true;
    await pass(clock, 8_000 + 2_000, nodes);
    await b.threadline.nodes.idle();
    expect(lost).toEqual(["node-a"]);
    expect((await b.threadline.messages.get(orphan.id)).status).toBe("aborted");
  });

  it("R31: a node already silent when the outage began is taken over once its silence, the outage left out, passes nodeTimeoutMs", async () => {
    // Leases far longer than the node timeout: the heartbeat judges here.
    const { a, b, clock, lost, nodes } = await twoNodes(600_000);
    const writer = await startStream(a.threadline, clock);
    // A is cut off; 2 s later B loses the database too, for 20 s.
    a.outage.down = true;
    await pass(clock, 2_000, nodes);
    b.outage.down = true;
    await pass(clock, OUTAGE_MS, nodes);
    b.outage.down = false;
    // A's silence, the outage left out: 1–4 s (beats every 2 s) before it, so it passes 8 s no
    // sooner than 4 s after it; taken over by the next beat of B after that.
    await pass(clock, 3_000, nodes);
    expect(await b.threadline.nodes.check()).toEqual([]);
    await pass(clock, 7_000, nodes);
    await b.threadline.nodes.idle();
    expect(lost).toEqual(["node-a"]);
    expect(await b.threadline.messages.get(writer.id)).toMatchObject({
      status: "aborted",
      errorText: NODE_LOST_REASON,
    });
  });
});
