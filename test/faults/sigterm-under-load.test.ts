/**
 * Issue 7, R31/R7/R16: SIGTERM to a real `threadline serve` while 50 uploads stream (and a few
 * finish at that very moment): it exits 0 within a few seconds, and the database it leaves holds
 * every message in a terminal state, each log dense with one `message.finished` per message.
 * Read straight from the database afterwards: a restart would sweep what shutdown left behind.
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
  printFigures,
  sum,
  WORKSPACE,
  withBound,
  withStore,
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

const STREAMS = 50;
/** Of the streams, how many are finishing as the signal is sent (a race with it). */
const RACING = 10;
/** "Exits within a few seconds": from the signal to the process gone. */
const EXIT_BOUND_MS = 5_000;

for (const backend of BACKENDS) {
  describe(`SIGTERM under load [${backend.name}]`, () => {
    it(`R31, R7: SIGTERM under ${STREAMS} streaming uploads exits 0 within ${EXIT_BOUND_MS} ms and leaves every message completed or aborted with a reason, its log dense with one message.finished each`, async () => {
      await sigtermUnderLoad(backend);
    }, 90_000);
  });
}

/** Streams, sends SIGTERM as some finish, then checks what the database holds after the exit. */
async function sigtermUnderLoad(backend: Backend) {
  const database = await backend.freshDatabase({ shared: true });
  const server = await startServe({ database });
  const threads = Array.from({ length: STREAMS }, (_, i) => `t${i}`);
  await createThreads(server.url, threads);
  const viewers = threads.map((t) => new Viewer(server.url, t));
  await withBound(Promise.all(viewers.map((v) => v.ready)), 15_000, "every viewer's snapshot");
  const uploads = threads.map((t, i) => new PacedUpload(server.url, t, `${t}-a`, streamText(i)));
  await waitFor(
    async () => {
      if (!uploads.every((u) => u.sent.length >= CHARS_PER_SECOND / 2)) return false;
      const stored = await Promise.all(uploads.map((u) => fetchMessage(server.url, u.messageId)));
      return stored.every((m) => m.message?.status === "streaming" && textOf(m.message) !== "");
    },
    "every upload to be stored streaming with some text",
    20_000,
  );

  // The signal goes as soon as the first of the finishing uploads is answered: the others race it.
  const racing = uploads.slice(0, RACING);
  for (const upload of racing) upload.finish();
  await withBound(Promise.race(racing.map((u) => u.outcome)), 15_000, "a finishing upload");
  const signalledAt = Date.now();
  const exit = await withBound(server.stop("SIGTERM"), 30_000, "serve to exit after SIGTERM");
  const exitMs = Date.now() - signalledAt;
  for (const upload of uploads) upload.halt();
  for (const upload of uploads) upload.end();
  const outcomes = await Promise.all(uploads.map((u) => u.outcome));

  const { messages, logs, leases } = await withStore(database, async (store) => ({
    messages: await Promise.all(uploads.map((u) => store.getMessage(WORKSPACE, u.messageId))),
    logs: await Promise.all(threads.map((t) => checkLog(store, t))),
    leases: await Promise.all(uploads.map((u) => store.getLease(WORKSPACE, u.messageId))),
  }));
  const statuses = new Map<string, number>();
  const reasons = new Set<string | undefined>();
  /** Messages whose text is not what was sent: a prefix of it when aborted, all of it when completed. */
  const wrongText: string[] = [];
  uploads.forEach((upload, i) => {
    const message = messages[i];
    const status = message?.status ?? "missing";
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === "aborted") reasons.add(abortReason(logs[i]?.finished.get(upload.messageId)));
    const lost = message ? charactersLost(upload.sent, message) : undefined;
    if (lost === undefined || (status === "completed" && lost !== 0)) {
      wrongText.push(upload.messageId);
    }
  });

  printFigures(`SIGTERM under load [${backend.name}]`, {
    streams: `${STREAMS} (${RACING} finishing as the signal goes)`,
    "exit code / time to exit": `${exit.code ?? exit.signal} / ${exitMs} ms`,
    "statuses after exit": [...statuses].map(([s, n]) => `${s} ${n}`).join(", "),
    "abort reasons": [...reasons].map((r) => JSON.stringify(r)).join(", "),
    "uploads answered before exit": outcomes.filter((o) => o.kind === "answered").length,
    "viewer events / seq gaps": `${sum(viewers.map((v) => v.events))} / ${sum(viewers.map((v) => v.gaps))}`,
    "chars sent per stream (min–max)": `${Math.min(...uploads.map((u) => u.sent.length))}–${Math.max(...uploads.map((u) => u.sent.length))} (${DELTA_CHARS} per chunk)`,
    "log events checked": sum(logs.map((l) => l.events)),
  });

  expect(exit.code).toBe(0);
  expect(exitMs).toBeLessThanOrEqual(EXIT_BOUND_MS);
  expect(messages.map((m, i) => ({ id: uploads[i]?.messageId, status: m?.status }))).toEqual(
    uploads.map((u, i) => ({
      id: u.messageId,
      status: messages[i]?.status === "completed" ? "completed" : "aborted",
    })),
  );
  expect([...reasons].every((r) => typeof r === "string" && r !== "")).toBe(true);
  expect(wrongText).toEqual([]);
  expect(logs.flatMap((l) => l.problems)).toEqual([]);
  expect(logs.map((l) => l.finished.size)).toEqual(threads.map(() => 1));
  expect(leases.map((lease) => lease?.owner ?? null)).toEqual(uploads.map(() => null));
  expect(sum(viewers.map((v) => v.gaps))).toBe(0);
}
