/**
 * Issue 7 item 5, R30, SPEC §3: a seeded fuzz run of bad requests on every route of a real
 * `threadline serve` (both backends), interleaved with good traffic, over keep-alive connections.
 * No 5xx, no dropped connection (a 413 closes its connection, the next request is answered), each
 * bad request its 4xx, every good request a success, every accepted message unchanged at the end.
 * Seeded: `THREADLINE_FUZZ_SEED=<n>` replays a run (the seed is printed); bounded in time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PATHS } from "../../src/protocol/http.js";
import { BACKENDS, type Backend } from "../support/backends.js";
import { type ServeProcess, startServe } from "../support/serve-process.js";
import { printFigures } from "./checks.js";
import { fuzzCase } from "./fuzz/all-cases.js";
import { auth, FUZZ_LIMITS, type FuzzCase, type LaneContext, WORKSPACES } from "./fuzz/case.js";
import { Lane, type RawAnswer } from "./http-lane.js";

const SEED = Number(process.env.THREADLINE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Keep-alive connections sending cases side by side. */
const LANES = 6;
/** Cases per backend at most, and the time they may take (the test stops at whichever comes first). */
const MAX_CASES = 4_000;
const FUZZ_BUDGET_MS = 12_000;
/** Fewer requests than this means the run did not really happen: fail rather than pass quietly. */
const MIN_REQUESTS = 1_000;

for (const backend of BACKENDS) {
  describe(`bad-request fuzz [${backend.name}]`, () => {
    it("R30, SPEC §3: thousands of seeded bad requests on every route each get their 4xx — no 5xx, no dropped connection — while interleaved good traffic all succeeds and every accepted message reads back unchanged", async () => {
      await fuzz(backend);
    }, 60_000);
  });
}

/** What the run saw; every list must end empty. */
class Tally {
  requests = 0;
  readonly statuses = new Map<number, number>();
  readonly kinds = new Map<string, number>();
  /** Milliseconds spent per kind, for the mean latency figure. */
  readonly kindMs = new Map<string, number>();
  readonly good = new Map<string, number>();
  readonly serverErrors: string[] = [];
  readonly dropped: string[] = [];
  readonly unexpected: string[] = [];
  readonly goodFailures: string[] = [];
  /** Requests sent right after a 413 on the same lane, and how many of them were answered. */
  afterTooLarge = { sent: 0, answered: 0 };
  /** Accepted messages: id → their `GET /v1/messages/:id` text when accepted. */
  readonly accepted = new Map<string, string>();

  count(kind: string, answer: RawAnswer, ms: number): void {
    this.requests += 1;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    this.kindMs.set(kind, (this.kindMs.get(kind) ?? 0) + ms);
    if (answer.kind === "answer") {
      this.statuses.set(answer.status, (this.statuses.get(answer.status) ?? 0) + 1);
    }
  }
}

/** One line naming a case and what it got, with the seed that replays it. */
function describeCase(c: FuzzCase, answer: RawAnswer): string {
  const got =
    answer.kind === "answer" ? `${answer.status} ${answer.body.slice(0, 160)}` : answer.error;
  const path = c.request.path.length > 90 ? `${c.request.path.slice(0, 90)}…` : c.request.path;
  return `[seed ${SEED}] ${c.kind}: ${c.request.method} ${JSON.stringify(path)} → ${got}`;
}

/** Runs one case on its lane and records what it got. */
async function runCase(lane: Lane, c: FuzzCase, tally: Tally, after413: boolean) {
  const sentAt = Date.now();
  const answer = await lane.send(c.request);
  tally.count(c.good ?? c.kind, answer, Date.now() - sentAt);
  if (after413) {
    tally.afterTooLarge.sent += 1;
    if (answer.kind === "answer") tally.afterTooLarge.answered += 1;
  }
  if (answer.kind === "dropped") {
    tally.dropped.push(`${describeCase(c, answer)} (reused connection: ${answer.reusedSocket})`);
    if (c.good) tally.goodFailures.push(describeCase(c, answer));
    return { tooLarge: false };
  }
  if (answer.status >= 500) tally.serverErrors.push(describeCase(c, answer));
  const fits = c.expected ? c.expected.includes(answer.status) : answer.status < 500;
  if (!fits) (c.good ? tally.goodFailures : tally.unexpected).push(describeCase(c, answer));
  if (c.good && fits) tally.good.set(c.good, (tally.good.get(c.good) ?? 0) + 1);
  if (answer.status < 300 && c.check) {
    const { problem, acceptedMessageId } = c.check(answer);
    if (problem) tally.goodFailures.push(`${describeCase(c, answer)}: ${problem}`);
    if (acceptedMessageId) await readBack(lane, acceptedMessageId, tally);
  }
  return { tooLarge: answer.status === 413 };
}

/** Reads an accepted message back (good traffic too) and keeps its text for the final check. */
async function readBack(lane: Lane, messageId: string, tally: Tally) {
  const request = {
    method: "GET",
    path: PATHS.message(messageId),
    headers: auth(WORKSPACES.own.key),
  };
  const sentAt = Date.now();
  const answer = await lane.send(request);
  const c: FuzzCase = { kind: "good", good: "append message", request, expected: [200] };
  tally.count("read back", answer, Date.now() - sentAt);
  if (answer.kind !== "answer" || answer.status !== 200) {
    tally.goodFailures.push(describeCase(c, answer));
    return;
  }
  tally.accepted.set(messageId, answer.body);
}

/**
 * Starts `serve` with two workspaces and small limits, seeds a thread per lane, runs the seeded
 * cases on the lanes until they are done or the budget is spent, then checks what was accepted.
 */
async function fuzz(backend: Backend) {
  const database = await backend.freshDatabase({ shared: true });
  const server = await startServe({
    database,
    args: [
      ...["--api-key", `${WORKSPACES.own.id}:${WORKSPACES.own.key}`],
      ...["--api-key", `${WORKSPACES.other.id}:${WORKSPACES.other.key}`],
      ...["--max-body-bytes", String(FUZZ_LIMITS.bodyBytes)],
      ...["--max-chunk-bytes", String(FUZZ_LIMITS.chunkBytes)],
      ...["--max-message-bytes", String(FUZZ_LIMITS.messageBytes)],
    ],
  });
  const other = await seedWorkspace(server, WORKSPACES.other.key, "other-thread", "other-message");
  await seedWorkspace(server, WORKSPACES.other.key, "other-thread-2", "other-shared");
  const contexts: LaneContext[] = [];
  for (let i = 0; i < LANES; i++) {
    await seedWorkspace(server, WORKSPACES.own.key, `lane-${i}`, `lane-${i}-first`);
    let next = 0;
    contexts.push({
      threadId: `lane-${i}`,
      ownMessageId: `lane-${i}-first`,
      otherThreadId: "other-thread",
      otherMessageId: "other-message",
      otherSharedId: "other-shared",
      freshId: () => `f${i}-${next++}`,
    });
  }

  const tally = new Tally();
  for (const context of contexts) {
    const seeded = await seedWorkspaceState(
      server,
      WORKSPACES.own.key,
      context.threadId,
      context.ownMessageId,
    );
    tally.accepted.set(context.ownMessageId, seeded.message);
  }
  const cases = fc.sample(fuzzCase, { seed: SEED, numRuns: MAX_CASES });
  const startedAt = Date.now();
  const deadline = startedAt + FUZZ_BUDGET_MS;
  const lanes = contexts.map(() => new Lane(server.url));
  let casesRun = 0;
  await Promise.all(
    lanes.map(async (lane, i) => {
      const context = contexts[i]!;
      let after413 = false;
      for (let k = i; k < cases.length && Date.now() < deadline; k += LANES) {
        const { tooLarge } = await runCase(lane, cases[k]!(context), tally, after413);
        after413 = tooLarge;
        casesRun += 1;
      }
    }),
  );
  const fuzzMs = Date.now() - startedAt;

  // Every accepted message reads back as it was accepted; so do the other workspace's.
  const reader = lanes[0]!;
  const changed: string[] = [];
  for (const [id, text] of tally.accepted) {
    const now = await reader.send({
      method: "GET",
      path: PATHS.message(id),
      headers: auth(WORKSPACES.own.key),
    });
    if (now.kind !== "answer" || now.body !== text)
      changed.push(`${id}: ${now.kind === "answer" ? now.body.slice(0, 200) : now.error}`);
  }
  const otherNow = await seedWorkspaceState(
    server,
    WORKSPACES.other.key,
    "other-thread",
    "other-message",
  );
  for (const lane of lanes) lane.close();
  const health = await fetch(`${server.url}${PATHS.healthz}`);
  const exit = await server.stop("SIGTERM");
  const errorLines = server.stderr.split("\n").filter((line) => line.trim() !== "");

  printFigures(`bad-request fuzz [${backend.name}]`, {
    seed: `${SEED} (THREADLINE_FUZZ_SEED=${SEED} replays it)`,
    "cases / requests": `${casesRun} / ${tally.requests} in ${fuzzMs} ms (${Math.round((tally.requests * 1000) / fuzzMs)}/s on ${LANES} keep-alive lanes)`,
    "by status": [...tally.statuses]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}: ${n}`)
      .join(", "),
    "by kind": [...tally.kinds]
      .sort(([, a], [, b]) => b - a)
      .map(([k, n]) => `${k} ${n}`)
      .join(", "),
    "slowest kinds (mean ms)": [...tally.kindMs]
      .map(([k, ms]) => [k, ms / (tally.kinds.get(k) ?? 1)] as const)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 4)
      .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
      .join(", "),
    "good traffic ok": [...tally.good].map(([k, n]) => `${k} ${n}`).join(", "),
    "accepted messages re-read unchanged": `${tally.accepted.size - changed.length} / ${tally.accepted.size}`,
    "requests right after a 413 answered": `${tally.afterTooLarge.answered} / ${tally.afterTooLarge.sent}`,
    "5xx / dropped / unexpected / good failed": `${tally.serverErrors.length} / ${tally.dropped.length} / ${tally.unexpected.length} / ${tally.goodFailures.length}`,
    "server stderr lines": errorLines.length,
  });

  const { serverErrors, dropped, unexpected, goodFailures } = tally;
  expect({ serverErrors, dropped, unexpected, goodFailures, changed }).toEqual({
    serverErrors: [],
    dropped: [],
    unexpected: [],
    goodFailures: [],
    changed: [],
  });
  expect(otherNow).toEqual(other);
  expect(health.status).toBe(200);
  expect(exit.code).toBe(0);
  expect(errorLines).toEqual([]);
  expect(tally.requests).toBeGreaterThanOrEqual(MIN_REQUESTS);
}

/** Creates a thread with one user message in the workspace of `key`; returns both as read back. */
async function seedWorkspace(
  server: ServeProcess,
  key: string,
  threadId: string,
  messageId: string,
) {
  const headers = { ...auth(key), "content-type": "application/json" };
  const thread = await fetch(`${server.url}${PATHS.threads}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ id: threadId }),
  });
  expect(thread.status).toBe(201);
  const body = JSON.stringify({
    id: messageId,
    role: "user",
    parts: [{ type: "text", text: "seed" }],
  });
  const message = await fetch(`${server.url}${PATHS.threadMessages(threadId)}`, {
    method: "POST",
    headers,
    body,
  });
  expect(message.status).toBe(201);
  return seedWorkspaceState(server, key, threadId, messageId);
}

/** A seeded thread's id and title and its message, as read back now (they must never change). */
async function seedWorkspaceState(
  server: ServeProcess,
  key: string,
  threadId: string,
  messageId: string,
) {
  const headers = auth(key);
  const thread = await (await fetch(`${server.url}${PATHS.thread(threadId)}`, { headers })).json();
  const message = await (
    await fetch(`${server.url}${PATHS.message(messageId)}`, { headers })
  ).text();
  return { thread: { id: thread.thread?.id, title: thread.thread?.title }, message };
}
