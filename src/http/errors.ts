import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { isThreadlineError, ThreadlineError } from "../errors.js";
import { ERROR_STATUS, type ErrorCode } from "../protocol/error-codes.js";
import { isTransientStoreError } from "../store/transient-errors.js";
import type { ThreadlineLogger } from "./logger.js";

/** Receives errors the server could not map to a client error (they answer 500 `internal`). */
export type UnexpectedErrorLogger = (
  error: unknown,
  context: { method: string; path: string },
) => void;

/** The default {@link UnexpectedErrorLogger}: `console.error`. */
export const logToConsole: UnexpectedErrorLogger = (error, { method, path }) => {
  console.error(`threadline: ${method} ${path} failed`, error);
};

/**
 * An {@link UnexpectedErrorLogger} writing to a structured logger (issue 8 item 4): one `error`
 * line `unexpected error` with the request's `method` and `path`, the `code` it was answered with
 * (`internal`, or `unavailable` for a transient database error) and the error under `err` (pino
 * serializes its type, message, stack and a database error's own `code`).
 *
 * @example
 * ```ts
 * const app = createApp({ threadline, log: logToLogger(pino()) });
 * ```
 */
export function logToLogger(logger: ThreadlineLogger): UnexpectedErrorLogger {
  return function logUnexpectedError(error, { method, path }) {
    const { code } = toThreadlineError(error);
    logger.error({ err: error, code, method, path }, "unexpected error");
  };
}

/**
 * Converts anything thrown by a route into the {@link ThreadlineError} it answers with (SPEC §3,
 * STYLE habit 8): ThreadlineErrors as they are; a zod error, a JSON `SyntaxError` or an
 * `HTTPException` become the matching 4xx; a transient database error (connection lost, server
 * restarting, disk full) is `unavailable` (503); anything else is `internal`, with a generic
 * message so no internals leak.
 */
export function toThreadlineError(error: unknown): ThreadlineError {
  if (isThreadlineError(error)) return error;
  if (error instanceof ZodError) {
    return new ThreadlineError("bad_request", describeZodError(error), { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new ThreadlineError("bad_request", `malformed JSON body: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof HTTPException) {
    return new ThreadlineError(codeOfStatus(error.status), error.message || "request failed", {
      cause: error,
    });
  }
  if (isTransientStoreError(error)) {
    // A connection lost, a server restarting, a full disk: the request may succeed later (R30).
    return new ThreadlineError("unavailable", "the database is unavailable; retry later", {
      cause: error,
    });
  }
  return new ThreadlineError("internal", "internal server error", { cause: error });
}

/** Seconds a client is asked to wait (`Retry-After`) before retrying a 503 (R30). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The app's one error handler (Hono `onError`): answers `{ "error": { "code", "message" } }` with
 * the code's status (SPEC §3). Server-side failures (5xx) are logged. A 413 `too_large` answers
 * `Connection: close` (R30): the client may still be sending the body it refuses, so the
 * connection is not reused and the client's next request goes on a fresh one. A 503 (`unavailable`,
 * `closed`) carries `Retry-After`, and so does a 429 `rate_limited` (R33): its
 * `details.retryAfterMs` in whole seconds, at least 1.
 */
export function errorHandler(log: UnexpectedErrorLogger) {
  return function handleError(error: unknown, c: Context): Response {
    const mapped = toThreadlineError(error);
    if (mapped.status >= 500) log(error, { method: c.req.method, path: c.req.path });
    if (mapped.code === "too_large") c.header("Connection", "close");
    if (mapped.status === 503) c.header("Retry-After", String(RETRY_AFTER_SECONDS));
    if (mapped.code === "rate_limited") c.header("Retry-After", String(retryAfterSeconds(mapped)));
    return errorResponse(c, mapped);
  };
}

/** Whole seconds of a `rate_limited` error's `details.retryAfterMs`, at least 1 (R33). */
function retryAfterSeconds(error: ThreadlineError): number {
  const ms = Number(error.details?.retryAfterMs);
  return Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1_000)) : RETRY_AFTER_SECONDS;
}

/** Answers unknown paths with a 404 `not_found` error body (SPEC §3). */
export function notFoundHandler(c: Context): Response {
  const error = new ThreadlineError("not_found", `no route for ${c.req.method} ${c.req.path}`);
  return errorResponse(c, error);
}

/**
 * The error body and status of a {@link ThreadlineError}; records its code on the context
 * (`errorCode`) for the request log line (issue 8 item 4).
 */
export function errorResponse(c: Context, error: ThreadlineError): Response {
  c.set("errorCode", error.code);
  return c.json(error.toJSON(), error.status as ContentfulStatusCode);
}

/** A one-line description of the first zod issue: `field "limit": Too big: expected …`. */
export function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const path = issue.path.map(String).join(".");
  return path === "" ? issue.message : `field "${path}": ${issue.message}`;
}

/** The generic code of each status an `HTTPException` may carry. */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  [ERROR_STATUS.bad_request]: "bad_request",
  [ERROR_STATUS.unauthorized]: "unauthorized",
  [ERROR_STATUS.not_found]: "not_found",
  [ERROR_STATUS.conflict]: "conflict",
  [ERROR_STATUS.too_large]: "too_large",
  [ERROR_STATUS.rate_limited]: "rate_limited",
  [ERROR_STATUS.closed]: "closed",
};

function codeOfStatus(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 500 ? "internal" : "bad_request");
}
