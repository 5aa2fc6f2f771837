import { EventSourceParserStream } from "eventsource-parser/stream";
import { ThreadlineError } from "../errors.js";
import type { UIMessage } from "../message/types.js";
import type { ThreadEvent } from "../protocol/events.js";
import { HEADERS, PATHS, SSE_SNAPSHOT_EVENT } from "../protocol/http.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";
import { errorFromResponse } from "./http-error.js";

/**
 * The thread at offset `seq` (R11): what a subscription starts with when it does not resume, and
 * what replaces a resumed range that log compaction removed (R32) — apply it like the first one,
 * replacing the view (`createThreadView(seq, messages)`).
 */
export interface ClientSnapshot<MESSAGE extends UIMessage = UIMessage> {
  type: "snapshot";
  seq: number;
  thread: Thread;
  messages: StoredMessage<MESSAGE>[];
}

/** What a client subscription yields, messages typed as the app's `MESSAGE` (a static promise). */
export type ClientSubscriptionItem<MESSAGE extends UIMessage = UIMessage> =
  | ClientSnapshot<MESSAGE>
  | ThreadEvent<MESSAGE>;

/** How the client reaches the server. */
export interface Transport {
  baseUrl: string;
  headers: () => Record<string, string>;
  fetch: typeof fetch;
}

/** Options of {@link subscribeEvents}. */
export interface ClientSubscribeOptions {
  /**
   * Resume after this seq: no snapshot, unless events after it were compacted (R32: then a fresh
   * snapshot comes first); default: start with a snapshot.
   */
  after?: number;
  /** Ends the subscription. */
  signal?: AbortSignal;
  /** First reconnect delay (default 250 ms), doubling up to `maxReconnectDelayMs` (default 5 s). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /**
   * On a 429 (the workspace is at its subscriber limit, R33) wait what the server's `Retry-After`
   * says and try again, until a slot frees or `signal` aborts (default true); false: throw the
   * `rate_limited` error.
   */
  retryRateLimited?: boolean;
}

/**
 * Follows a thread's events over SSE (`GET /v1/threads/:id/events`) as an async iterator, in Node and
 * browsers (fetch + eventsource-parser). After a dropped connection it reconnects with
 * `Last-Event-ID` = the last seq it yielded, so it never yields an event twice nor skips one (R11,
 * R13). It ends after `thread.deleted` (R20) or when `signal` aborts.
 *
 * When a reconnect (or `after`) lands in a range that log compaction removed (R32), the server
 * answers with a fresh `snapshot` at its current seq instead of the missing events, and this
 * yields it as a {@link ClientSnapshot}: an app that replaces its view on every snapshot (as it
 * does for the first) goes on with every message exactly once, without noticing.
 *
 * A 429 (`rate_limited`, R33) is retried after its `Retry-After` (see `retryRateLimited`), as are
 * network errors and 5xx answers (after `Retry-After` when the answer has one, else the reconnect
 * delay).
 *
 * @throws ThreadlineError from the server's error answer (`not_found`, `bad_offset`,
 *   `unauthorized`, …) — other 4xx answers are not retried.
 */
export async function* subscribeEvents<MESSAGE extends UIMessage = UIMessage>(
  transport: Transport,
  threadId: string,
  options: ClientSubscribeOptions = {},
): AsyncGenerator<ClientSubscriptionItem<MESSAGE>> {
  let lastSeq = options.after;
  let delayMs = options.reconnectDelayMs ?? 250;
  const maxDelayMs = options.maxReconnectDelayMs ?? 5_000;
  // Aborted when the consumer stops iterating, so the open response is released.
  const controller = new AbortController();
  const signal = controller.signal;
  options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  if (options.signal?.aborted) return;
  try {
    while (!signal.aborted) {
      let response: Response;
      try {
        response = await transport.fetch(`${transport.baseUrl}${PATHS.events(threadId)}`, {
          headers: {
            ...transport.headers(),
            accept: "text/event-stream",
            ...(lastSeq === undefined ? {} : { [HEADERS.lastEventId]: String(lastSeq) }),
          },
          signal,
        });
      } catch {
        if (signal.aborted) return;
        await sleep(delayMs, signal);
        delayMs = Math.min(maxDelayMs, delayMs * 2);
        continue;
      }
      if (!response.ok) {
        const retryAfterMs = retryAfterOf(response);
        const error = await errorFromResponse(response);
        const rateLimited = response.status === 429 && options.retryRateLimited !== false;
        if (response.status < 500 && !rateLimited) throw error;
        await sleep(retryAfterMs ?? delayMs, signal);
        if (retryAfterMs === undefined) delayMs = Math.min(maxDelayMs, delayMs * 2);
        continue;
      }
      if (!response.body) throw new ThreadlineError("internal", "the events response has no body");
      try {
        const events = response.body
          .pipeThrough(new TextDecoderStream())
          .pipeThrough(new EventSourceParserStream());
        for await (const message of iterate(events)) {
          const data = JSON.parse(message.data);
          if (message.event === SSE_SNAPSHOT_EVENT) {
            // The first item without `after`, or the answer to a resume into a compacted range
            // (R32): either way it replaces everything before it.
            if (lastSeq !== undefined && data.seq <= lastSeq) continue;
            lastSeq = data.seq;
            delayMs = options.reconnectDelayMs ?? 250;
            yield { type: "snapshot", ...data } as ClientSnapshot<MESSAGE>;
            continue;
          }
          const event = data as ThreadEvent<MESSAGE>;
          if (event.type === "thread.deleted") {
            yield event;
            return;
          }
          if (lastSeq !== undefined && event.seq <= lastSeq) continue;
          lastSeq = event.seq;
          delayMs = options.reconnectDelayMs ?? 250;
          yield event;
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof SyntaxError)
          throw new ThreadlineError("internal", `malformed event from server: ${error.message}`);
      }
      await sleep(delayMs, signal);
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  } finally {
    controller.abort();
  }
}

async function* iterate<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds or an HTTP date (RFC 9110
 * §10.2.3); undefined when the answer has none or it is neither.
 */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
