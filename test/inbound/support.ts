/**
 * Shared setup of the inbound tests (R21–R25): a Threadline whose runs are captured, fake-time
 * helpers, and a webhook receiver on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import type { ManualClock } from "../../src/clock.js";
import type { RunRequest } from "../../src/protocol/runs.js";
import type { Threadline, ThreadlineOptions } from "../../src/threadline.js";
import { type Backend, openThreadline } from "../support/backends.js";

/** The debounce window of these tests (the default). */
export const DEBOUNCE_MS = 3_000;

/** A user message with one text part. */
export function userText(text: string, id?: string) {
  return { ...(id ? { id } : {}), role: "user" as const, parts: [{ type: "text" as const, text }] };
}

/** A Threadline on `backend` whose library run target records every run it receives. */
export async function openRuns(backend: Backend, options: Partial<ThreadlineOptions> = {}) {
  const runs: RunRequest[] = [];
  const opened = await openThreadline(backend, {
    runDebounceMs: DEBOUNCE_MS,
    onRun: (run) => {
      runs.push(run);
    },
    ...options,
  });
  return { ...opened, runs };
}

/** Moves fake time forward, then waits until the scheduler claimed and delivered what came due. */
export async function advance(threadline: Threadline, clock: ManualClock, ms: number) {
  clock.advance(ms);
  await threadline.runs.idle();
}

/** Polls `condition` until it holds; fails after `timeoutMs` of real time (a bound, not a sleep). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The text of each run's messages. */
export function runTexts(run: RunRequest): string[] {
  return run.messages.map((m) => m.parts.map((p) => ("text" in p ? p.text : "")).join(""));
}

/** One request the webhook receiver got. */
export interface WebhookCall {
  idempotencyKey: string | undefined;
  body: RunRequest;
}

/** How the webhook receiver answers a call (default 200 `{}`). */
export type WebhookAnswer = { status: number; body?: unknown };

const servers: Server[] = [];

/**
 * A webhook receiver on a free port of 127.0.0.1: records every call and answers with `answer`
 * (called with the 0-based call index). Closed after the test.
 */
export async function webhookReceiver(
  answer: (index: number, call: WebhookCall) => WebhookAnswer = () => ({ status: 200 }),
) {
  const calls: WebhookCall[] = [];
  const server = createServer(async (request, response) => {
    const call: WebhookCall = {
      idempotencyKey: request.headers["idempotency-key"] as string | undefined,
      body: JSON.parse(await readBody(request)),
    };
    calls.push(call);
    const { status, body } = answer(calls.length - 1, call);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/runs`, calls };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});
