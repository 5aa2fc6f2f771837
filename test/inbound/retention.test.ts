import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/http/metrics.js";
import { BACKENDS } from "../support/backends.js";
import { getInboundClaim, listRunTriggers } from "../support/inspect-store.js";
import { advance, DEBOUNCE_MS, openRuns, userText } from "./support.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

for (const backend of BACKENDS) {
  describe(`retention [${backend.name}]`, () => {
    it("R25: processed claims and finished triggers are purged after 24 h by the periodic purge; live rows stay", async () => {
      const { threadline, clock } = await openRuns(backend);
      const registry = createMetrics(threadline, new Registry()).registry;
      const old = await threadline.threads.create({ id: "old" });
      const fresh = await threadline.threads.create({ id: "fresh" });
      await threadline.messages.append(old.id, userText("old", "m-old"), { idempotencyKey: "k" });
      await advance(threadline, clock, DEBOUNCE_MS);
      expect((await listRunTriggers(threadline.store, "default", old.id))[0]?.status).toBe("fired");

      await advance(threadline, clock, DAY_MS - DEBOUNCE_MS - HOUR_MS);
      // Younger than the retention period at the next purge: a processed claim and a pending trigger.
      await threadline.messages.append(fresh.id, userText("new"), { idempotencyKey: "k-new" });
      let purged: unknown;
      const done = new Promise((resolve) => threadline.events.on("inbound:purged", resolve));
      void done.then((counts) => {
        purged = counts;
      });
      // The purge runs every 10 minutes of (fake) time; step until it has removed the old rows.
      for (let step = 0; step < 36 && purged === undefined; step++) {
        clock.advance(10 * 60_000);
        await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 25))]);
      }
      expect(purged).toEqual({ claims: 1, triggers: 1 });

      expect(await getInboundClaim(threadline.store, "default", "k")).toBeUndefined();
      expect(await listRunTriggers(threadline.store, "default", old.id)).toEqual([]);
      expect(await getInboundClaim(threadline.store, "default", "k-new")).toMatchObject({
        status: "processed",
      });
      const metrics = await registry.metrics();
      expect(metrics).toContain('threadline_inbound_purged_total{kind="claims"} 1');
      expect(metrics).toContain('threadline_inbound_purged_total{kind="triggers"} 1');
      // The message itself is history and stays; its key is a new key again.
      const again = await threadline.messages.submit(old.id, userText("again"), {
        idempotencyKey: "k",
      });
      expect(again.replayed).toBe(false);
    });

    it("R25: pending and claimed triggers are never purged; abandoned in-flight claims are", async () => {
      const { threadline, clock } = await openRuns(backend, {
        retentionMs: HOUR_MS,
        runDebounceMs: 10 * DAY_MS,
      });
      const { store } = threadline;
      const thread = await threadline.threads.create();
      const start = clock.now();
      await store.claimInbound(
        "default",
        { key: "abandoned", threadId: thread.id, token: "t", staleBefore: start },
        start,
      );
      await threadline.messages.append(thread.id, userText("window"));
      const [claimed] = await store.claimRunTriggers({
        owner: "node-x",
        now: start + 10 * DAY_MS,
        claimExpiresAt: start + 20 * DAY_MS,
        limit: 1,
      });
      await threadline.messages.append(thread.id, userText("another window"));
      const purged = { claims: 0, triggers: 0 };
      threadline.events.on("inbound:purged", (counts) => {
        purged.claims += counts.claims;
        purged.triggers += counts.triggers;
      });
      clock.advance(2 * HOUR_MS); // the periodic purge may run now, too
      await threadline.runs.purge();
      expect(purged).toEqual({ claims: 1, triggers: 0 });
      const statuses = (await listRunTriggers(store, "default", thread.id)).map((t) => t.status);
      expect(statuses.sort()).toEqual(["claimed", "pending"]);
      expect(claimed?.status).toBe("claimed");
      expect(await getInboundClaim(store, "default", "abandoned")).toBeUndefined();
    });

    it("R25: the retention period is configurable (retentionMs)", async () => {
      const { threadline, clock } = await openRuns(backend, { retentionMs: 60_000 });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("x"), { idempotencyKey: "k" });
      await advance(threadline, clock, DEBOUNCE_MS);
      await advance(threadline, clock, 60_000 - DEBOUNCE_MS);
      expect(await threadline.runs.purge()).toEqual({ claims: 0, triggers: 0 });
      await advance(threadline, clock, DEBOUNCE_MS + 1);
      expect(await threadline.runs.purge()).toEqual({ claims: 1, triggers: 1 });
    });
  });
}
