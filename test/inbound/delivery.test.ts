import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/http/metrics.js";
import type { ThreadlineEventMap } from "../../src/observe.js";
import { RUN_DECLINE_REASONS } from "../../src/protocol/runs.js";
import type { Threadline } from "../../src/threadline.js";
import { BACKENDS } from "../support/backends.js";
import { logOf, textOf } from "../support/helpers.js";
import { listRunTriggers } from "../support/inspect-store.js";
import {
  advance,
  DEBOUNCE_MS,
  openRuns,
  runTexts,
  userText,
  waitFor,
  webhookReceiver,
} from "./support.js";

/** The value of one sample of Prometheus text, e.g. `name{label="x"}`. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Records every `run:failed` event. */
function failures(threadline: Threadline) {
  const seen: ThreadlineEventMap["run:failed"][] = [];
  threadline.events.on("run:failed", (failure) => seen.push(failure));
  return seen;
}

// multica's flush outcomes (seed 004) — offline / archived notice, infra failure — made durable.
for (const backend of BACKENDS) {
  describe(`run delivery [${backend.name}]`, () => {
    it("R24: the webhook receives the run as JSON with Idempotency-Key = triggerId", async () => {
      const hook = await webhookReceiver();
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
      });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("hello agent"), {
        run: { forceFresh: true, agent: "support" },
      });
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(hook.calls).toHaveLength(1);
      const [call] = hook.calls;
      expect(call?.idempotencyKey).toBe(call?.body.triggerId);
      expect(call?.body).toMatchObject({
        workspaceId: "default",
        threadId: thread.id,
        forceFresh: true,
        options: { agent: "support" },
        attempt: 1,
      });
      expect(runTexts(call!.body)).toEqual(["hello agent"]);
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "fired", triggerId: call?.body.triggerId });
    });

    for (const reason of RUN_DECLINE_REASONS) {
      it(`R24: a webhook 409 {reason: ${reason}} appends a system notice, re-arms nothing and is counted`, async () => {
        const hook = await webhookReceiver(() => ({ status: 409, body: { reason } }));
        const { threadline, clock } = await openRuns(backend, {
          onRun: undefined,
          runWebhook: hook.url,
        });
        const registry = createMetrics(threadline, new Registry()).registry;
        const thread = await threadline.threads.create();
        await threadline.messages.append(thread.id, userText("anyone there?"));
        await advance(threadline, clock, DEBOUNCE_MS);

        const { messages } = await threadline.messages.list(thread.id);
        expect(messages.map((m) => m.role)).toEqual(["user", "system"]);
        const notice = messages[1]!;
        expect(textOf(notice)).toContain(reason === "agent_offline" ? "offline" : "archived");
        expect(notice.metadata).toEqual({
          threadline: { notice: reason, triggerId: hook.calls[0]?.body.triggerId },
        });
        const triggers = await listRunTriggers(threadline.store, "default", thread.id);
        expect(triggers.map((t) => [t.status, t.lastError])).toEqual([["declined", reason]]);
        const log = await logOf(threadline.store, "default", thread.id);
        expect(log.map((e) => e.type)).not.toContain("run.triggered");

        await advance(threadline, clock, DEBOUNCE_MS * 10);
        expect(hook.calls).toHaveLength(1);
        expect(await sample(registry, `threadline_run_notices_total{reason="${reason}"}`)).toBe(1);
        expect(await sample(registry, "threadline_run_failures_total")).toBe(0);
      });
    }

    it("R24: a webhook 500 is retried with backoff (1 s, then 2 s) until it succeeds", async () => {
      const hook = await webhookReceiver((index) => ({ status: index < 2 ? 500 : 200 }));
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
      });
      const registry = createMetrics(threadline, new Registry()).registry;
      const failed = failures(threadline);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("retry me"));

      await advance(threadline, clock, DEBOUNCE_MS);
      expect(hook.calls).toHaveLength(1);
      expect(failed).toMatchObject([{ attempt: 1, retryInMs: 1_000 }]);
      expect(String(failed[0]?.error)).toContain("HTTP 500");
      await advance(threadline, clock, 999);
      expect(hook.calls).toHaveLength(1);
      await advance(threadline, clock, 1);
      expect(hook.calls).toHaveLength(2);
      expect(failed).toMatchObject([{ attempt: 1 }, { attempt: 2, retryInMs: 2_000 }]);
      await advance(threadline, clock, 1_999);
      expect(hook.calls).toHaveLength(2);
      await advance(threadline, clock, 1);
      expect(hook.calls).toHaveLength(3);

      // Every attempt carried the same Idempotency-Key; the third one fired the run.
      expect(new Set(hook.calls.map((c) => c.idempotencyKey)).size).toBe(1);
      expect(hook.calls.map((c) => c.body.attempt)).toEqual([1, 2, 3]);
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "fired", attempts: 3, lastError: null });
      expect(await sample(registry, "threadline_run_failures_total")).toBe(2);
      expect(await sample(registry, "threadline_runs_fired_total")).toBe(1);
      expect(await sample(registry, "threadline_runs_failed_total")).toBe(0);
    });

    it("R24: a delivery failing every attempt is kept as failed — logged and counted, never silently lost", async () => {
      const hook = await webhookReceiver(() => ({ status: 503, body: { error: "down" } }));
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
        runMaxAttempts: 4,
      });
      const registry = createMetrics(threadline, new Registry()).registry;
      const failed = failures(threadline);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("nobody home"));
      await advance(threadline, clock, DEBOUNCE_MS);
      for (const delay of [1_000, 2_000, 4_000]) await advance(threadline, clock, delay);
      expect(hook.calls).toHaveLength(4);
      expect(failed.map((f) => [f.attempt, f.retryInMs])).toEqual([
        [1, 1_000],
        [2, 2_000],
        [3, 4_000],
        [4, null],
      ]);
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger).toMatchObject({ status: "failed", attempts: 4 });
      expect(trigger?.lastError).toContain("HTTP 503");
      await advance(threadline, clock, 3_600_000);
      expect(hook.calls).toHaveLength(4);
      expect(await sample(registry, "threadline_run_failures_total")).toBe(4);
      expect(await sample(registry, "threadline_runs_failed_total")).toBe(1);
    });

    it("R24: a message arriving while a run awaits its retry starts a new trigger — nothing is lost", async () => {
      const hook = await webhookReceiver((index) => ({ status: index === 0 ? 500 : 200 }));
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
      });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("one"));
      await advance(threadline, clock, DEBOUNCE_MS);
      // The receiver may have seen the failed trigger's id, so the new message must not join it.
      await threadline.messages.append(thread.id, userText("two"));
      const statuses = (await listRunTriggers(threadline.store, "default", thread.id)).map(
        (t) => t.status,
      );
      expect(statuses.sort()).toEqual(["pending", "retrying"]);
      await advance(threadline, clock, 1_000); // the retry (read at fire time: both messages)
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(hook.calls.map((c) => runTexts(c.body))).toEqual([
        ["one"],
        ["one", "two"],
        ["one", "two"],
      ]);
      expect(new Set(hook.calls.map((c) => c.idempotencyKey)).size).toBe(2);
    });

    it("R24: backoff doubles up to runRetryMaxMs", async () => {
      const hook = await webhookReceiver(() => ({ status: 500 }));
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
        runRetryInitialMs: 1_000,
        runRetryMaxMs: 3_000,
        runMaxAttempts: 5,
      });
      const failed = failures(threadline);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("x"));
      await advance(threadline, clock, DEBOUNCE_MS);
      for (const delay of [1_000, 2_000, 3_000, 3_000]) await advance(threadline, clock, delay);
      expect(failed.map((f) => f.retryInMs)).toEqual([1_000, 2_000, 3_000, 3_000, null]);
    });

    it("R24: a webhook 409 without a known reason, or a refused connection, is retried like any failure", async () => {
      const hook = await webhookReceiver((index) =>
        index === 0 ? { status: 409, body: { reason: "busy" } } : { status: 204 },
      );
      const { threadline, clock } = await openRuns(backend, {
        onRun: undefined,
        runWebhook: hook.url,
      });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("x"));
      await advance(threadline, clock, DEBOUNCE_MS);
      await advance(threadline, clock, 1_000);
      expect(hook.calls).toHaveLength(2);
      expect((await listRunTriggers(threadline.store, "default", thread.id))[0]?.status).toBe(
        "fired",
      );

      const closed = await openRuns(backend, {
        onRun: undefined,
        runWebhook: "http://127.0.0.1:1/nothing-listens-here",
      });
      const failed = failures(closed.threadline);
      const other = await closed.threadline.threads.create();
      await closed.threadline.messages.append(other.id, userText("x"));
      await advance(closed.threadline, closed.clock, DEBOUNCE_MS);
      expect(failed).toMatchObject([{ attempt: 1, retryInMs: 1_000 }]);
    });

    it("R24: an onRun callback that throws is retried; one that declines appends the notice", async () => {
      let calls = 0;
      const { threadline, clock } = await openRuns(backend, {
        onRun: (run) => {
          calls += 1;
          if (runTexts(run).includes("decline")) return { declined: "agent_archived" };
          if (calls === 1) throw new Error("agent queue unavailable");
        },
      });
      const failed = failures(threadline);
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("first"));
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(failed).toMatchObject([{ attempt: 1, retryInMs: 1_000 }]);
      expect(String(failed[0]?.error)).toContain("agent queue unavailable");
      await advance(threadline, clock, 1_000);
      expect(calls).toBe(2);
      expect((await listRunTriggers(threadline.store, "default", thread.id))[0]?.status).toBe(
        "fired",
      );

      const second = await threadline.threads.create();
      await threadline.messages.append(second.id, userText("decline"));
      await advance(threadline, clock, DEBOUNCE_MS);
      const { messages } = await threadline.messages.list(second.id);
      expect(messages.map((m) => m.role)).toEqual(["user", "system"]);
    });

    it("R24: a run that is still being delivered keeps its claim (renewed), so a slow target is not run twice", async () => {
      const release: Array<() => void> = [];
      let calls = 0;
      const { threadline, clock } = await openRuns(backend, {
        onRun: () => {
          calls += 1;
          return new Promise<void>((resolve) => release.push(resolve));
        },
      });
      const thread = await threadline.threads.create();
      await threadline.messages.append(thread.id, userText("long run"));
      clock.advance(DEBOUNCE_MS);
      await threadline.runs.fireDue();
      // The delivery takes minutes of (fake) time; this node renews its claim meanwhile.
      const expiry = async () =>
        (await listRunTriggers(threadline.store, "default", thread.id))[0]?.claimExpiresAt;
      for (let i = 0; i < 12; i++) {
        clock.advance(10_000);
        const renewedTo = clock.now() + 30_000;
        await waitFor(async () => (await expiry()) === renewedTo, "the claim renewal");
        await threadline.runs.fireDue();
      }
      expect(calls).toBe(1);
      const [trigger] = await listRunTriggers(threadline.store, "default", thread.id);
      expect(trigger?.status).toBe("claimed");
      expect(trigger?.claimExpiresAt).toBeGreaterThan(clock.now());
      release[0]?.();
      await threadline.runs.idle();
      expect((await listRunTriggers(threadline.store, "default", thread.id))[0]?.status).toBe(
        "fired",
      );
    });
  });
}
