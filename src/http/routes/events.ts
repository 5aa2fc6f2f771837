import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import { clientDisconnectSignal } from "../client-disconnect.js";
import type { UnexpectedErrorLogger } from "../errors.js";
import { checkOffsetInLog, resumeOffset } from "../offsets.js";
import { pipeSubscription } from "../pipe-subscription.js";
import { encodeThreadEvent, SseWriter } from "../sse.js";

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
 * - Each event is awaited into the response, so a slow client only fills its own bounded
 *   subscription queue, which then drops and catches up from the log (R12) — it never slows the
 *   producer or other viewers, and nothing is buffered without bound here.
 * - Closes after a final `thread.deleted` event when the thread is deleted (R20). A client
 *   disconnect closes the subscription and nothing else (R17).
 * - A failure after the stream started (the thread vanished in between, storage errors) closes
 *   the stream; a client reconnecting with `Last-Event-ID` then gets the HTTP error.
 */
export function eventRoutes(heartbeatMs: number, log: UnexpectedErrorLogger): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get(ROUTES.events, async function streamThreadEvents(c) {
    const workspace = c.var.workspace;
    const threadId = c.req.param("threadId");
    const after = resumeOffset(c);
    const thread = await workspace.threads.get(threadId);
    if (after !== undefined) checkOffsetInLog(after, thread);
    // Subscribed before the response starts: past the workspace's subscriber limit, a 429 (R33).
    const ended = new AbortController();
    const subscription = workspace.subscribe(threadId, {
      ...(after === undefined ? {} : { after }),
      signal: ended.signal,
    });
    return streamSSE(c, async function sendThreadEvents(stream) {
      const signal = clientDisconnectSignal(c, stream);
      signal.addEventListener("abort", () => ended.abort(), { once: true });
      const writer = new SseWriter(stream, heartbeatMs);
      await pipeSubscription(
        subscription,
        writer,
        signal,
        async (item) => {
          await writer.write(encodeThreadEvent(item));
          return "more";
        },
        (error) => log(error, { method: c.req.method, path: c.req.path }),
      );
    });
  });

  return routes;
}
