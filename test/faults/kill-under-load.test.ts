/**
 * Issue 7, R31/R18/R16: `kill -9` of a real `threadline serve` under 100 concurrent streaming
 * uploads (200 chars/s each) and a viewer per thread, then a restart on the same database. Real
 * time: every wait polls for its condition within a bound, and the figures are printed.
 */
import { describe, expect, it } from "vitest";
import { waitFor } from "../inbound/support.js";
import { BACKENDS, type Backend } from "../support/backends.js";
import { textOf } from "../support/helpers.js";
import { startServe } from "../support/serve-process.js";
import {
  abortReason,
  charactersLost,
  checkLog,
  percentile,
  printFigures,
  sum,
  withBound,
  withStore,
  writerMetrics,
} from "./checks.js";
import {
  CHARS_PER_SECOND,
  createThreads,
  DELTA_CHARS,
  fetchMessage,
  PacedUpload,
  streamText,
  Viewer,
} from "./load.js";

const STREAMS = 100;
/** Of the streams, how many finish normally before the kill (each then starts a second one). */
const COMPLETED = 20;
/** The coalescing window of `serve` (its default), in ms. */
const WINDOW_MS = 33;
/**
 * Characters a stream may lose to a crash (p99): what 200 chars/s produce in one window, plus the
 * chunks in flight (one in the socket, one pulled ahead by the upload body) — ~27 — with room for
 * a slow commit on a loaded 2-core machine.
 */
const MAX_LOST_P99 = 60;
/**
 * PostgreSQL node timing, the defaults spelled out (`serve --heartbeat-ms --node-timeout-ms`):
 * a node silent for the timeout is dead, and the others look every heartbeat (R31).
 */
const HEARTBEAT_MS = 2_000;
const NODE_TIMEOUT_MS = 8_000;
/**
 * R31 on PostgreSQL: a node that stops heartbeating has its streaming messages finalized by
 * another node within timeout + heartbeat (10 s by default), counted from the kill; plus 4 s for
 * the takeover's own commit and the last poll on a loaded 2-core machine.
 */
const POSTGRES_RECOVERY_BOUND_MS = NODE_TIMEOUT_MS + HEARTBEAT_MS + 4_000;
const NODE_TIMING = [
  "--heartbeat-ms",
  `${HEARTBEAT_MS}`,
  "--node-timeout-ms",
  `${NODE_TIMEOUT_MS}`,
];

for (const backend of BACKENDS) {
  describe(`kill -9 under load [${backend.name}]`, () => {
    it(`R31, R16, R18: after kill -9 under ${STREAMS} uploads and a restart, completed messages are unchanged, every interrupted one is aborted within the bound with a prefix of what was sent, and every log is dense`, async () => {
      await killUnderLoad(backend);
    }, 120_000);
  });
}

/**
 * Streams, completes some, kills, restarts (PostgreSQL: a survivor node recovers), then checks
 * the messages over HTTP and the logs in the database, and prints the figures.
 */
async function killUnderLoad(backend: Backend) {
  const database = await backend.freshDatabase({ shared: true });
  const server = await startServe({ database, args: NODE_TIMING });
  // PostgreSQL: a second, idle node, as in a deployment, so the recovery bound (R31) is measured
  // from the kill and not from how long a restart takes to start.
  const survivor =
    backend.name === "postgres" ? await startServe({ database, args: NODE_TIMING }) : undefined;
  const threads = Array.from({ length: STREAMS }, (_, i) => `t${i}`);
  await createThreads(server.url, threads);
  const viewers = threads.map((t) => new Viewer(server.url, t));
  await withBound(Promise.all(viewers.map((v) => v.ready)), 15_000, "every viewer's snapshot");

  const first = threads.map((t, i) => new PacedUpload(server.url, t, `${t}-a`, streamText(i)));
  await waitFor(
    () => first.every((u) => u.sent.length >= CHARS_PER_SECOND),
    "every upload to stream for a second",
    20_000,
  );

  // Some finish normally; their threads then stream a second message.
  const finishing = first.slice(0, COMPLETED);
  for (const upload of finishing) upload.finish();
  const completed = new Map<string, string>(); // message id → its GET response, byte for byte
  for (const upload of finishing) {
    const outcome = await withBound(upload.outcome, 15_000, `${upload.messageId} to complete`);
    expect(outcome.kind).toBe("answered");
    const stored = await fetchMessage(server.url, upload.messageId);
    expect(stored.message?.status).toBe("completed");
    expect(textOf(stored.message!)).toBe(upload.sent);
    completed.set(upload.messageId, stored.text);
  }
  const second = finishing.map(
    (u, i) => new PacedUpload(server.url, u.threadId, `${u.threadId}-b`, streamText(1_000 + i)),
  );
  const interrupted = [...first.slice(COMPLETED), ...second];
  await waitFor(
    async () => {
      if (!interrupted.every((u) => u.sent.length >= 4 * DELTA_CHARS)) return false;
      const stored = await Promise.all(
        interrupted.map((u) => fetchMessage(server.url, u.messageId)),
      );
      return stored.every((m) => m.message?.status === "streaming" && textOf(m.message) !== "");
    },
    "every open upload to be stored streaming with some text",
    20_000,
  );

  const metrics = await writerMetrics(server.url);
  for (const upload of interrupted) upload.halt();
  const killedAt = Date.now();
  const kill = await server.kill();
  for (const upload of interrupted) upload.end();
  expect(kill.signal).toBe("SIGKILL");
  for (const viewer of viewers) viewer.close();
  const uploadsAnswered = (await Promise.all(interrupted.map((u) => u.outcome))).filter(
    (o) => o.kind === "answered",
  ).length;

  const fetchInterrupted = (url: string) =>
    Promise.all(interrupted.map((u) => fetchMessage(url, u.messageId)));
  let after: Awaited<ReturnType<typeof fetchInterrupted>> = [];
  let survivorRecoveredMs = 0;
  if (survivor) {
    // R31: the survivor finalizes the dead node's messages within the bound. Aborted is final, so
    // each poll asks only for the messages not yet seen aborted.
    const pending = new Set(interrupted.map((u) => u.messageId));
    await waitFor(
      async () => {
        const polled = await Promise.all(
          [...pending].map(async (id) => ({ id, ...(await fetchMessage(survivor.url, id)) })),
        );
        for (const m of polled) if (m.message?.status === "aborted") pending.delete(m.id);
        return pending.size === 0;
      },
      `every interrupted message aborted within ${POSTGRES_RECOVERY_BOUND_MS} ms of the kill (R31)`,
      Math.max(0, killedAt + POSTGRES_RECOVERY_BOUND_MS - Date.now()),
    );
    survivorRecoveredMs = Date.now() - killedAt;
    after = await fetchInterrupted(survivor.url);
  }
  const restarted = await startServe({ database, args: NODE_TIMING });
  const listeningMs = Date.now() - killedAt;
  let streamingAtStart = 0;
  if (!survivor) {
    // R31: a single writer process, so the restart finalized them all before it listened.
    after = await fetchInterrupted(restarted.url);
    streamingAtStart = after.filter((m) => m.message?.status !== "aborted").length;
    expect(streamingAtStart).toBe(0);
  }
  for (const [id, text] of completed) {
    expect({ id, text: (await fetchMessage(restarted.url, id)).text }).toEqual({ id, text });
  }
  const lost = interrupted.map((upload, i) => {
    const stored = after[i]?.message;
    expect(stored?.status, upload.messageId).toBe("aborted");
    const chars = charactersLost(upload.sent, stored!);
    expect(chars, `${upload.messageId}: stored text is a prefix of what was sent`).toBeDefined();
    return chars ?? Number.POSITIVE_INFINITY;
  });
  expect((await restarted.stop("SIGTERM")).code).toBe(0);
  if (survivor) expect((await survivor.stop("SIGTERM")).code).toBe(0);

  const logs = await withStore(database, (store) =>
    Promise.all(threads.map((t) => checkLog(store, t))),
  );
  const reasons = new Set<string | undefined>();
  for (const upload of interrupted) {
    const log = logs[threads.indexOf(upload.threadId)];
    reasons.add(abortReason(log?.finished.get(upload.messageId)));
  }

  printFigures(`kill -9 under load [${backend.name}]`, {
    "streams (completed / interrupted)": `${STREAMS + COMPLETED} (${completed.size} / ${interrupted.length})`,
    "rate per stream": `${CHARS_PER_SECOND} chars/s, window ${WINDOW_MS} ms`,
    "chars sent per interrupted stream (min–max)": `${Math.min(...interrupted.map((u) => u.sent.length))}–${Math.max(...interrupted.map((u) => u.sent.length))}`,
    "writer commits / mean commit": `${metrics.commits} / ${metrics.meanCommitMs.toFixed(1)} ms`,
    "chars lost p50 / p99 / max": `${percentile(lost, 50)} / ${percentile(lost, 99)} / ${Math.max(...lost)}`,
    "uploads answered despite the kill": uploadsAnswered,
    "viewer events before the kill / seq gaps": `${sum(viewers.map((v) => v.events))} / ${sum(viewers.map((v) => v.gaps))}`,
    "restart listening after kill": `${listeningMs} ms`,
    "still streaming when it listened": survivor ? "n/a (survivor node)" : streamingAtStart,
    "all interrupted aborted after kill": survivor
      ? `${survivorRecoveredMs} ms (by the survivor node; bound ${POSTGRES_RECOVERY_BOUND_MS} ms)`
      : `${listeningMs} ms (before the restart listened)`,
    "abort reasons": [...reasons].map((r) => JSON.stringify(r)).join(", "),
    "log events checked": sum(logs.map((l) => l.events)),
  });

  expect(percentile(lost, 99)).toBeLessThanOrEqual(MAX_LOST_P99);
  expect(sum(viewers.map((v) => v.gaps))).toBe(0);
  expect(viewers.every((v) => v.events > 0)).toBe(true);
  expect(logs.flatMap((l) => l.problems)).toEqual([]);
  expect(logs.map((l) => l.finished.size)).toEqual(threads.map((_, i) => (i < COMPLETED ? 2 : 1)));
  expect([...reasons].every((r) => typeof r === "string" && r !== "")).toBe(true);
}
