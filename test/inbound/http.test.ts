import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import type { RunRequest } from "../../src/protocol/runs.js";
import { jsonRequest, openApp } from "../http/support.js";
import { BACKENDS } from "../support/backends.js";
import { advance, DEBOUNCE_MS, runTexts } from "./support.js";

const hello = { role: "user", parts: [{ type: "text", text: "Hello" }] } as const;

/** The value of one sample line of Prometheus text. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

for (const backend of BACKENDS) {
  describe(`HTTP idempotency and run triggers [${backend.name}]`, () => {
    async function setup() {
      const runs: RunRequest[] = [];
      const opened = await openApp(backend, {
        threadline: {
          runDebounceMs: DEBOUNCE_MS,
          onRun: (run) => {
            runs.push(run);
          },
        },
      });
      await opened.app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }));
      const post = (body: unknown, key?: string) =>
        opened.app.request(
          PATHS.threadMessages("t1"),
          jsonRequest("POST", body, key === undefined ? {} : { "idempotency-key": key }),
        );
      return { ...opened, runs, post };
    }

    it("R21: POST with Idempotency-Key → 201, its repeat → 200 with the same {message, seq}", async () => {
      const { post, app } = await setup();
      const first = await post({ ...hello, id: "m1" }, "key-1");
      expect(first.status).toBe(201);
      const firstBody = await first.json();
      const repeat = await post(
        { ...hello, id: "m2", parts: [{ type: "text", text: "again" }] },
        "key-1",
      );
      expect(repeat.status).toBe(200);
      expect(await repeat.json()).toEqual(firstBody);
      const list = await (await app.request(PATHS.threadMessages("t1"))).json();
      expect(list.messages.map((m: { id: string }) => m.id)).toEqual(["m1"]);
    });

    it("R21: a repeat while the first request is in flight → 409 conflict", async () => {
      const { post, threadline, clock } = await setup();
      await threadline.store.claimInbound(
        "default",
        { key: "busy", threadId: "t1", token: "other-request", staleBefore: 0 },
        clock.now(),
      );
      const response = await post(hello, "busy");
      expect(response.status).toBe(409);
      const { error } = await response.json();
      expect(error.code).toBe("conflict");
      expect(error.message).toContain("in flight");
    });

    it("R21: an empty Idempotency-Key → 400 bad_request", async () => {
      const { post } = await setup();
      const response = await post(hello, "");
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe("bad_request");
    });

    it("R21: the same key POSTed 20× concurrently stores one message: one 201, the rest 200 or 409", async () => {
      const { post, app } = await setup();
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          post({ ...hello, parts: [{ type: "text", text: `copy ${i}` }] }, "same"),
        ),
      );
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.every((s) => s === 201 || s === 200 || s === 409)).toBe(true);
      const ids = new Set(
        await Promise.all(
          responses.filter((r) => r.status !== 409).map(async (r) => (await r.json()).message.id),
        ),
      );
      expect(ids.size).toBe(1);
      const list = await (await app.request(PATHS.threadMessages("t1"))).json();
      expect(list.messages).toHaveLength(1);
    });

    it("R22: the body's run options reach the run; bad ones → 400", async () => {
      const { post, threadline, clock, runs } = await setup();
      expect((await post({ ...hello, run: { forceFresh: true, model: "m" } })).status).toBe(201);
      expect((await post({ ...hello, run: { model: "n" } })).status).toBe(201);
      const bad = await post({ ...hello, run: { forceFresh: "yes" } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toContain("run.forceFresh");
      expect((await post({ ...hello, run: [1] })).status).toBe(400);
      await advance(threadline, clock, DEBOUNCE_MS);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ forceFresh: true, options: { model: "n" } });
      expect(runTexts(runs[0]!)).toEqual(["Hello", "Hello"]);
    });

    it("R21–R24: /metrics counts replays, claim conflicts and fired runs", async () => {
      const { post, app, threadline, clock } = await setup();
      await post(hello, "k");
      await post(hello, "k");
      await threadline.store.claimInbound(
        "default",
        { key: "busy", threadId: "t1", token: "x", staleBefore: 0 },
        clock.now(),
      );
      await post(hello, "busy");
      await advance(threadline, clock, DEBOUNCE_MS);
      const text = await (await app.request(PATHS.metrics)).text();
      expect(sample(text, "threadline_inbound_replays_total")).toBe(1);
      expect(sample(text, 'threadline_inbound_claim_conflicts_total{reason="in_flight"}')).toBe(1);
      expect(sample(text, "threadline_runs_fired_total")).toBe(1);
      expect(sample(text, "threadline_run_failures_total")).toBe(0);
      expect(sample(text, "threadline_runs_failed_total")).toBe(0);
      expect(sample(text, 'threadline_run_notices_total{reason="agent_offline"}')).toBe(0);
    });
  });
}
