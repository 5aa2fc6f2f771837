import type { Context, MiddlewareHandler, Next } from "hono";
import { CONTENT_TYPES, HEADERS } from "../protocol/http.js";

/**
 * How many server-sent event responses of an app are open now (issue 8 item 5, `/metrics`
 * `threadline_sse_connections`): `GET …/events` and `GET …/stream` alike, from the moment the
 * response is handed out until its body ends, fails or its client goes away.
 */
export class SseConnections {
  private count = 0;
  private readonly selfCounted = new WeakSet<ReadableStream<Uint8Array>>();

  /** SSE responses open now. */
  get open(): number {
    return this.count;
  }

  /**
   * Counts one SSE response open from now until the returned function is called (calling it
   * again does nothing): for a response body that counts itself ({@link countedBySource}).
   */
  opened(): () => void {
    let open = true;
    this.count += 1;
    return () => {
      if (!open) return;
      open = false;
      this.count -= 1;
    };
  }

  /**
   * Marks `body` as counting itself with {@link opened}: the middleware hands it on as it is,
   * without the extra stream its own counting takes (the events route's body, issue 9).
   */
  countedBySource(body: ReadableStream<Uint8Array>): void {
    this.selfCounted.add(body);
  }

  /**
   * Middleware counting the app's SSE responses (content type `text/event-stream`). It hands the
   * body on unchanged, one chunk per read (no buffering, so backpressure still reaches the
   * route), and passes a client's cancel through, so the route still sees its client leave (R17).
   */
  middleware(): MiddlewareHandler {
    return async (c: Context, next: Next) => {
      await next();
      const type = c.res.headers.get(HEADERS.contentType) ?? "";
      if (!type.startsWith(CONTENT_TYPES.eventStream) || c.res.body === null) return;
      if (this.selfCounted.has(c.res.body)) return;
      c.res = new Response(this.counted(c.res.body), c.res);
    };
  }

  /** `body`, counted as one open connection until it ends, fails or is cancelled. */
  private counted(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    const reader = body.getReader();
    let open = true;
    this.count += 1;
    const close = () => {
      if (!open) return false;
      open = false;
      this.count -= 1;
      return true;
    };
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            const next = await reader.read();
            if (!open) return; // cancelled while reading
            if (next.done) {
              close();
              controller.close();
            } else {
              controller.enqueue(next.value);
            }
          } catch (error) {
            if (close()) controller.error(error);
          }
        },
        cancel(reason) {
          close();
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  }
}
