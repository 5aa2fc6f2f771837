import type { ServerResponse } from "node:http";
import type { Subscription, SubscriptionItem } from "../subscription/subscription.js";
import { toThreadlineError } from "./errors.js";
import { encodeThreadEvent, HEARTBEAT_FRAME } from "./sse.js";
import type { SseConnections } from "./sse-connections.js";

const HEARTBEAT_BYTES = new TextEncoder().encode(HEARTBEAT_FRAME);

/** How {@link threadEventsBody} reports and counts. */
export interface ThreadEventsBodyOptions {
  /** A `: keep-alive` comment this often while waiting for an event (ms; 0 = none). */
  heartbeatMs: number;
  /** Aborts when the request does (`app.request()` callers; Node cancels the body instead). */
  signal?: AbortSignal;
  /** Gets a 5xx-class failure after the response started (others end the stream quietly). */
  onUnexpected: (error: unknown) => void;
  /** Counts the response as an open SSE connection while it runs (`/metrics`). */
  connections?: SseConnections;
  /**
   * The Node response `@hono/node-server` writes this body to (its `outgoing`), when the app is
   * served as it is (`threadline serve`): once the server has sent the head and asks for the
   * first frame, every frame is written to it directly, skipping the web stream and the server's
   * read loop per frame (issue 9). Leave it out when anything between the route and the socket
   * reads the body (a compression or logging middleware of one's own): its frames would bypass
   * that reader. A response whose head is not sent at the first read is written the usual way.
   */
  nodeResponse?: ServerResponse;
}

/**
 * The body of `GET …/events` (SPEC §3, R11): a subscription's items as SSE frames, in one
 * `ReadableStream` the response pulls from. The subscription starts with the body; after its first
 * item, the next is read only when the client took the last one, so a slow client fills only its
 * own bounded subscription queue (R12), and nothing is buffered here. While a read waits for an
 * event, a heartbeat comment goes out every `heartbeatMs`; behind a client that is not reading,
 * none is queued.
 *
 * One stream per response, where Hono's `streamSSE` puts a `TransformStream` and a writer between
 * the route and the response (issue 9: the SSE path's web streams were ~10 % of the server's CPU at
 * 300 streams). Cancelling the body (the client went away) or aborting `signal` closes the
 * subscription and nothing else (R17). A failure after the response started can only end it: a
 * client reconnecting with `Last-Event-ID` then gets the HTTP error.
 */
export function threadEventsBody(
  subscription: Subscription,
  options: ThreadEventsBodyOptions,
): ReadableStream<Uint8Array> {
  const iterator = subscription[Symbol.asyncIterator]();
  /** The subscription's first item, asked for when the response starts. */
  let prefetched: Promise<IteratorResult<SubscriptionItem>> | undefined;
  let waiting = false;
  let ended = false;
  /** The client cancelled the body: the stream is closed, its controller no longer usable. */
  let cancelled = false;
  const closeUnlessCancelled = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!cancelled) controller.close();
  };
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Writes straight to `options.nodeResponse` once the first read found its head sent. */
  let direct: ServerResponse | undefined;
  const closeConnection = options.connections?.opened();
  const end = () => {
    if (ended) return;
    ended = true;
    if (heartbeat !== undefined) clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", end);
    closeConnection?.();
    subscription.close();
    // A subscription suspended at an item it yielded ends only when returned (its broker queue
    // and subscriber slot are freed in its `finally`); one waiting for an event ends on the close.
    void iterator.return?.().catch(() => {});
  };
  options.signal?.addEventListener("abort", end, { once: true });
  if (options.signal?.aborted) end();

  /**
   * The subscription's next item, or `undefined` when it ended or failed (then the stream ends:
   * a 5xx-class failure is reported first).
   */
  const nextItem = async (): Promise<SubscriptionItem | undefined> => {
    let next: IteratorResult<SubscriptionItem>;
    waiting = true;
    try {
      next = await (prefetched ?? iterator.next());
    } catch (error) {
      if (!ended && toThreadlineError(error).status >= 500) options.onUnexpected(error);
      end();
      return undefined;
    } finally {
      waiting = false;
      prefetched = undefined;
    }
    if (next.done) end();
    return ended ? undefined : next.value;
  };
  /**
   * Writes the next item's frame to `response`, waiting for `drain` when the socket is full (a
   * slow client then fills only its own subscription queue, R12).
   * @returns false once the stream ended.
   */
  const writeNext = async (response: ServerResponse): Promise<boolean> => {
    const item = await nextItem();
    if (item === undefined) return false;
    if (!response.write(encodeThreadEvent(item))) await drainOrClose(response);
    return !ended && !response.destroyed;
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // The subscription starts with the response, not with the client's first read: its
        // snapshot is of the request's moment, and events meanwhile queue in its bounded broker
        // queue, overflowing into a catch-up from the log for a client that does not read (R12).
        prefetched = iterator.next();
        prefetched.catch(() => {}); // awaited by the first pull
        if (options.heartbeatMs > 0) {
          heartbeat = setInterval(() => {
            if (!waiting || ended) return;
            if (direct) direct.write(HEARTBEAT_BYTES);
            else controller.enqueue(HEARTBEAT_BYTES);
          }, options.heartbeatMs);
          heartbeat.unref?.();
        }
      },
      async pull(controller) {
        const response = options.nodeResponse;
        if (direct === undefined && response?.headersSent && !response.writableEnded) {
          direct = response;
          // Every frame goes out from here; the body closes when the subscription ends, and the
          // subscription when the response is gone (its close no longer cancels a closed body).
          while (!ended && (await writeNext(response)));
          end();
          closeUnlessCancelled(controller);
          return;
        }
        if (ended) {
          closeUnlessCancelled(controller);
          return;
        }
        const item = await nextItem();
        if (ended || item === undefined) closeUnlessCancelled(controller);
        else controller.enqueue(encodeThreadEvent(item));
      },
      cancel() {
        cancelled = true;
        end();
      },
    },
    { highWaterMark: 0 },
  );
  options.connections?.countedBySource(body);
  return body;
}

/** Resolves when `response` can take more (`drain`) or is gone (`close`). */
function drainOrClose(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}
