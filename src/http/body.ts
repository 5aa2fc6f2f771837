import type { Context, MiddlewareHandler, Next } from "hono";
import { routePath } from "hono/route";
import { ThreadlineError } from "../errors.js";
import { HEADERS, ROUTES } from "../protocol/http.js";
import { bodyTooLarge, type HttpLimits } from "./limits.js";

/**
 * The whole-body limit of a route, by its pattern (SPEC §3): none for the streamed upload (each
 * chunk and the message are counted instead), `maxMessageBytes` for a complete message,
 * `maxBodyBytes` for everything else.
 */
export function bodyLimitOfRoute(limits: HttpLimits, route: string): number | undefined {
  if (route === ROUTES.messageStream) return undefined;
  if (route === ROUTES.threadMessages) return limits.maxMessageBytes;
  return limits.maxBodyBytes;
}

/**
 * Middleware answering 413 `too_large` before reading anything when `Content-Length` exceeds the
 * body limit of the route the request matched ({@link bodyLimitOfRoute}), and 400 when it is not a
 * number (SPEC §3). Bodies without a length (chunked) are counted while they are read
 * ({@link readJsonBody}, the streaming upload).
 */
export function limitContentLength(limits: HttpLimits): MiddlewareHandler {
  return async function checkContentLength(c: Context, next: Next) {
    const header = c.req.header(HEADERS.contentLength);
    if (header !== undefined) {
      if (!/^\s*\d+\s*$/.test(header)) {
        throw new ThreadlineError("bad_request", "Content-Length must be a non-negative integer");
      }
      // The route's handler is the last route matched (middleware comes first).
      const maxBytes = bodyLimitOfRoute(limits, routePath(c, -1));
      if (maxBytes !== undefined && Number(header) > maxBytes) throw bodyTooLarge(maxBytes);
    }
    await next();
  };
}

/**
 * Reads and JSON-parses a request body of at most `maxBodyBytes`, counting the bytes as they
 * arrive. An empty body gives `undefined`.
 *
 * @throws ThreadlineError `too_large` (413) past the limit; `bad_request` for malformed JSON.
 * @example
 * ```ts
 * const body = (await readJsonBody(c.req.raw, limits.maxBodyBytes)) ?? {};
 * ```
 */
export async function readJsonBody(request: Request, maxBodyBytes: number): Promise<unknown> {
  const text = await readBodyText(request, maxBodyBytes);
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ThreadlineError("bad_request", `malformed JSON body: ${reason}`, { cause: error });
  }
}

/** Reads a whole body as UTF-8 text, failing with `too_large` past `maxBodyBytes`. */
async function readBodyText(request: Request, maxBodyBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
      parts.push(value);
    }
  } finally {
    // Not cancel(): that would tear down the connection before the answer is sent; the adapter
    // drains what is left of the body.
    reader.releaseLock();
  }
  return Buffer.concat(parts).toString("utf8");
}
