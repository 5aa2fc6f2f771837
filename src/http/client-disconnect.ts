import type { Context } from "hono";
import type { StreamingApi } from "hono/utils/stream";

/**
 * An AbortSignal that fires when the client of a streamed response goes away: the response stream
 * is cancelled (the Node adapter does so when the socket closes; `app.request()` callers by
 * cancelling the body) or the request's own signal aborts. Ties a subscription's lifetime to its
 * viewer only — never to a producer (R17).
 */
export function clientDisconnectSignal(c: Context, stream: StreamingApi): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  stream.onAbort(abort);
  const requestSignal = c.req.raw.signal;
  if (requestSignal.aborted) abort();
  else requestSignal.addEventListener("abort", abort, { once: true });
  return controller.signal;
}
