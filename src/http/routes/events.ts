import type { ServerResponse } from "node:http";
import { Hono } from "hono";
import { CONTENT_TYPES, HEADERS, ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import type { UnexpectedErrorLogger } from "../errors.js";
import { checkOffsetInLog, resumeOffset } from "../offsets.js";
import type { SseConnections } from "../sse-connections.js";
import { threadEventsBody } from "../thread-events-body.js";

/**
 * `GET /v1/threads/:threadId/events` (SPEC §3, R10–R13, R20): the thread as server-sent events,
 * `id:` = seq and `event:` = type.
 *
 * - Without an offset: a `snapshot` event (`{seq, thread, messages}`), then every later event live.
 * - With `Last-Event-ID` or `?after=N` (the header wins, see {@link resumeOffset}): the log from
 *   `N + 1`, then live, no snapshot. A malformed offset, or one beyond the log head, is a 400
 *   `bad_offset` answered before the stream starts; an unknown thread a 404.
 * - Resuming into a compacted range (R32: log compaction removed a finished message's deltas
 *   after `N`, the thread's compacted seq is above `N`): 200 as well, and the stream starts with a
 *   fresh `snapshot` event at the current seq `S` (`id: S`) instead of the missing events, then
 *   every event after `S`. The client replaces its view with it, as with a first snapshot, so
 *   every message arrives exactly once (R11). The same happens if a range is compacted under a
 *   subscriber that has fallen behind. An offset at or above the compacted seq is unaffected.
 * - A workspace at its `maxSubscribers` (R33) is answered 429 `rate_limited` with `Retry-After`,
 *   before the stream starts.
 * - A `: keep-alive` comment every `heartbeatMs` while idle.
 * - Each event is read from the subscription only when the client took the last one
 *   ({@link threadEventsBody}), so a slow client only fills its own bounded subscription queue,
 *   which then drops and catches up from the log (R12) — it never slows the producer or other
 *   viewers, and nothing is buffered without bound here. `connections` counts the open responses
 *   (`/metrics`).
 * - Closes after a final `thread.deleted` event when the thread is deleted (R20). A client
 *   disconnect closes the subscription and nothing else (R17).
 * - A failure after the stream started (the thread vanished in between, storage errors) closes
 *   the stream; a client reconnecting with `Last-Event-ID` then gets the HTTP error.
 * - With `writeSseDirectly` (`threadline serve`), on `@hono/node-server` the frames are written
 *   to the Node response itself (see `ThreadEventsBodyOptions.nodeResponse`).
 */
export function eventRoutes(
  heartbeatMs: number,
  log: UnexpectedErrorLogger,
  connections?: SseConnections,
  writeSseDirectly = false,
): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get(ROUTES.events, async function streamThreadEvents(c) {
    const workspace = c.var.workspace;
    const threadId = c.req.param("threadId");
    const after = resumeOffset(c);
    const thread = await workspace.threads.get(threadId);
    if (after !== undefined) checkOffsetInLog(after, thread);
    // Subscribed before the response starts: past the workspace's subscriber limit, a 429 (R33).
    const subscription = workspace.subscribe(threadId, after === undefined ? {} : { after });
    const body = threadEventsBody(subscription, {
      heartbeatMs,
      signal: c.req.raw.signal,
      onUnexpected: (error) => log(error, { method: c.req.method, path: c.req.path }),
      ...(connections ? { connections } : {}),
      ...(writeSseDirectly ? nodeResponseOf(c.env) : {}),
    });
    return c.newResponse(body, 200, SSE_RESPONSE_HEADERS);
  });

  return routes;
}

/** The headers of an SSE response (those Hono's `streamSSE` sets). */
const SSE_RESPONSE_HEADERS = {
  [HEADERS.contentType]: CONTENT_TYPES.eventStream,
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "Transfer-Encoding": "chunked",
};

/** `{ nodeResponse }` when the app runs on `@hono/node-server` (its env holds `outgoing`). */
function nodeResponseOf(env: unknown): { nodeResponse?: ServerResponse } {
  const outgoing = (env as { outgoing?: unknown } | undefined)?.outgoing;
  const isResponse =
    typeof outgoing === "object" &&
    outgoing !== null &&
    typeof (outgoing as Partial<ServerResponse>).write === "function" &&
    "headersSent" in outgoing;
  return isResponse ? { nodeResponse: outgoing as ServerResponse } : {};
}
