import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import type { RunRequest } from "../../src/protocol/runs.js";
import type { RunCompletion } from "../../src/store/inbound-records.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { logOf } from "../support/helpers.js";
import { listRunTriggers } from "../support/inspect-store.js";
import { advance, DEBOUNCE_MS, openRuns, runTexts, userText } from "./support.js";

const CLAIM_TTL_MS = 30_000;
const START = 1_700_000_000_000;

/** Stops a node the way `kill -9` does: no graceful drain, its connections just go away. */
async function crash(threadline: Threadline): Promise<void> {
  const internals = threadline as unknown as {
    inbound: { scheduler: { drain(): Promise<number> } };
  };
  internals.inbound.scheduler.drain = async () => 0;
  await threadline.close();
}

for (const backend of BACKENDS) {
  describe(`durable run triggers [${backend.name}]`, () => {
    /** Two nodes on one database, each with its own fake clock, recording runs in one list. */
    async function twoNodes() {
      const database = await backend.freshDatabase({ shared: true });
      const runs: RunRequest[] = [];
      const node = async (nodeId: string) => {
        const clock = new ManualClock(START);
        const opened = await openRuns(backend, {
          database,
          nodeId,
          clock,
          onRun: (run) => {
            runs.push(run);
          },
        });
        return { threadline: opened.threadline, clock };
      };
      return { a: await node("node-a"), b: await node("node-b"), runs, database };
    }

    it("R23: a node dies inside the window — another node (or the restart) fires the run, exactly once", async () => {
      const { a, b, runs } = await twoNodes();
      const thread = await a.threadline.threads.create();
      await a.threadline.messages.append(thread.id, userText("before the crash"));
      await crash(a.threadline);
      expect(runs).toHaveLength(0);

      await advance(b.threadline, b.clock, DEBOUNCE_MS - 1);
      expect(runs).toHaveLength(0);
      await advance(b.threadline, b.clock, 1);
      expect(runs.map(runTexts)).toEqual([["before the crash"]]);
      await advance(b.threadline, b.clock, 10 * CLAIM_TTL_MS);
      await b.threadline.runs.fireDue();
      expect(runs).toHaveLength(1);
    });

    it("R23: a node dies while delivering — its claim expires and another node fires the run once", async () => {
      const { a, b, runs } = await twoNodes();
      const thread = await a.threadline.threads.create();
      await a.threadline.messages.append(thread.id, userText("claimed, then crash"));
      const [claim] = await a.threadline.store.claimRunTriggers({
        owner: "node-a",
        now: START + DEBOUNCE_MS,
        claimExpiresAt: START + DEBOUNCE_MS + CLAIM_TTL_MS,
        limit: 10,
      });
      expect(claim).toMatchObject({ status: "claimed", claimOwner: "node-a", generation: 2 });
      await crash(a.threadline);

      await advance(b.threadline, b.clock, DEBOUNCE_MS + CLAIM_TTL_MS - 1);
      expect(runs).toHaveLength(0); // still claimed by node-a until the claim expires
      await advance(b.threadline, b.clock, 1);
      expect(runs).toHaveLength(1);
      expect(runs[0]?.triggerId).toBe(claim?.triggerId);

      // The dead node's late completion loses the generation fence and writes nothing.
      const late = await b.threadline.store.completeRunTrigger(
        claim!,
        { kind: "fired", messageIds: [] },
        b.clock.now(),
      );
      expect(late).toEqual({ applied: false, events: [] });
      const log = await logOf(b.threadline.store, "default", thread.id);
      expect(log.filter((e) => e.type === "run.triggered")).toHaveLength(1);
    });

    it("R23: the generation fence — only the current claim completes a trigger", async () => {
      const { threadline, clock } = await openRuns(backend, { runPollIntervalMs: 3_600_000 });
      const { store } = threadline;
      const thread = await threadline.threads.create();
      await store.appendInbound(
        "default",
        {
          message: { threadId: thread.id, id: "m", role: "user", status: "completed", parts: [] },
          arm: { triggerId: "trig", dueAt: START, options: null, forceFresh: false, armedBy: "x" },
        },
        clock.now(),
      );
      const claim = (owner: string, now: number) =>
        store.claimRunTriggers({ owner, now, claimExpiresAt: now + CLAIM_TTL_MS, limit: 5 });
      const [first] = await claim("node-x", START);
      expect(await claim("node-y", START + CLAIM_TTL_MS - 1)).toEqual([]); // not expired yet
      const [second] = await claim("node-x", START + CLAIM_TTL_MS); // same owner, new claim
      expect(second?.generation).toBe((first?.generation ?? 0) + 1);

      const fired: RunCompletion = { kind: "fired", messageIds: ["m"] };
      expect((await store.completeRunTrigger(first!, fired, START)).applied).toBe(false);
      const current = await store.completeRunTrigger(second!, fired, START + 1);
      expect(current.applied).toBe(true);
      expect(current.events.map((e) => e.type)).toEqual(["run.triggered"]);
      expect((await store.completeRunTrigger(second!, fired, START + 2)).applied).toBe(false);
      const [trigger] = await listRunTriggers(store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "fired", attempts: 1, firedAt: START + 1 });
    });

    it("R23: a message arriving while its thread's trigger is claimed starts a new pending trigger", async () => {
      const { threadline, clock, runs } = await openRuns(backend);
      const { store } = threadline;
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("one"));
      const [claimed] = await store.claimRunTriggers({
        owner: "node-x",
        now: START + DEBOUNCE_MS,
        claimExpiresAt: START + DEBOUNCE_MS + CLAIM_TTL_MS,
        limit: 5,
      });
      await threadline.messages.append(thread.id, userText("two"));
      const triggers = await listRunTriggers(store, "default", thread.id);
      const still = triggers.find((t) => t.status === "claimed");
      const fresh = triggers.find((t) => t.status === "pending");
      expect(triggers).toHaveLength(2);
      expect(still).toEqual(claimed); // the claimed row is untouched
      expect(fresh?.triggerId).not.toBe(claimed?.triggerId);
      expect(
        (await store.completeRunTrigger(claimed!, { kind: "fired", messageIds: [] }, clock.now()))
          .applied,
      ).toBe(true);
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs.map((r) => r.triggerId)).toEqual([fresh?.triggerId]);
      expect(runs.map(runTexts)).toEqual([["one", "two"]]);
    });

    it("R23: graceful shutdown fires each pending trigger of this node at once, exactly once", async () => {
      const { a, b, runs } = await twoNodes();
      const t1 = await a.threadline.threads.create({ id: "t1" });
      const t2 = await a.threadline.threads.create({ id: "t2" });
      const t3 = await a.threadline.threads.create({ id: "t3" });
      await a.threadline.messages.append(t1.id, userText("one"));
      await a.threadline.messages.append(t2.id, userText("two"));
      await b.threadline.messages.append(t3.id, userText("three (node b)"));
      await a.threadline.close();
      expect(runs.map((r) => r.threadId).sort()).toEqual(["t1", "t2"]);
      expect((await listRunTriggers(b.threadline.store, "default", "t1"))[0]?.status).toBe("fired");

      // Node b's own window is untouched by a's shutdown; it fires when due, and nothing twice.
      expect((await listRunTriggers(b.threadline.store, "default", "t3"))[0]?.status).toBe(
        "pending",
      );
      await advance(b.threadline, b.clock, DEBOUNCE_MS);
      await b.threadline.close();
      expect(runs.map((r) => r.threadId).sort()).toEqual(["t1", "t2", "t3"]);
      expect(new Set(runs.map((r) => r.triggerId)).size).toBe(3);
    });

    it("R23: two nodes polling one database fire each trigger exactly once", async () => {
      const { a, b, runs } = await twoNodes();
      const threads = 12;
      for (let i = 0; i < threads; i++) {
        const node = i % 2 === 0 ? a : b;
        await node.threadline.threads.create({ id: `t${i}` });
        await node.threadline.messages.append(`t${i}`, userText(`hello ${i}`));
        // The other node adds to the same window.
        await (i % 2 === 0 ? b : a).threadline.messages.append(`t${i}`, userText(`more ${i}`));
      }
      if (backend.name === "postgres") {
        // Both nodes claim at the same time: SKIP LOCKED hands each trigger to one of them.
        a.clock.advance(DEBOUNCE_MS);
        b.clock.advance(DEBOUNCE_MS);
        await Promise.all([a.threadline.runs.fireDue(), b.threadline.runs.fireDue()]);
        await Promise.all([a.threadline.runs.idle(), b.threadline.runs.idle()]);
      } else {
        // Two SQLite connections in one thread cannot wait for each other's lock (better-sqlite3
        // blocks the thread): the nodes take turns here; processes.test.ts runs real processes.
        await advance(a.threadline, a.clock, DEBOUNCE_MS);
        await advance(b.threadline, b.clock, DEBOUNCE_MS);
      }
      await a.threadline.runs.fireDue();
      await b.threadline.runs.fireDue();
      await a.threadline.close(); // one after the other, for SQLite's sake (see above)
      await b.threadline.close();
      expect(runs).toHaveLength(threads);
      expect(new Set(runs.map((r) => r.triggerId)).size).toBe(threads);
      for (const run of runs) expect(runTexts(run)).toHaveLength(2);
    });

    it("R23: an instance without a run target arms triggers but never fires them — a CLI tool cannot take a server's runs", async () => {
      const { a: server, b, runs, database } = await twoNodes();
      await b.threadline.close(); // not needed here
      const toolClock = new ManualClock(START);
      const { threadline: tool } = await openThreadline(backend, { database, clock: toolClock });
      const thread = await tool.threads.create();
      await tool.messages.append(thread.id, userText("stored by the tool"));
      toolClock.advance(DEBOUNCE_MS * 10);
      await tool.runs.fireDue();
      await tool.close(); // no drain either
      const [trigger] = await listRunTriggers(server.threadline.store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "pending" });

      await advance(server.threadline, server.clock, DEBOUNCE_MS);
      expect(runs.map(runTexts)).toEqual([["stored by the tool"]]);
      await server.threadline.close();
    });

    it("R22: fireRuns without a target fires runs to the thread log only (run.triggered)", async () => {
      const { threadline, clock } = await openThreadline(backend, { fireRuns: true });
      const thread = await threadline.threads.create();
      const message = await threadline.messages.append(thread.id, userText("hi"));
      await advance(threadline, clock, DEBOUNCE_MS);
      const log = await logOf(threadline.store, "default", thread.id);
      expect(log.at(-1)).toMatchObject({
        type: "run.triggered",
        data: { messageIds: [message.id], forceFresh: false },
      });
    });

    it("R23: triggers that came due while no node ran fire when a node starts", async () => {
      const { a, b, runs, database } = await twoNodes();
      await crash(b.threadline);
      const thread = await a.threadline.threads.create();
      await a.threadline.messages.append(thread.id, userText("while down"));
      await crash(a.threadline);
      const restarted = await openRuns(backend, {
        database,
        onRun: (run) => {
          runs.push(run);
        },
        clock: new ManualClock(START + 3_600_000),
      });
      await restarted.threadline.runs.idle();
      expect(runs.map(runTexts)).toEqual([["while down"]]);
    });
  });
}
