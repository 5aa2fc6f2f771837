import type { Context, MiddlewareHandler, Next } from "hono";
import { ThreadlineError } from "../errors.js";
import { hasNul, NUL_PROBLEM } from "../message/json-input.js";

/**
 * Middleware answering 400 `bad_request` when the decoded path (thread and message ids) or a query
 * parameter (`cursor`, `after`, …) holds a NUL character, which PostgreSQL refuses in text (R30):
 * refused where it enters instead of failing in the database with a 500. `details.field` is `path`
 * or the parameter's name.
 *
 * @example
 * ```ts
 * app.use("/v1/*", refuseNulInUrl());
 * ```
 */
export function refuseNulInUrl(): MiddlewareHandler {
  return async function checkUrl(c: Context, next: Next) {
    const url = new URL(c.req.url);
    if (hasNul(decodePath(url.pathname))) throw nulIn("path", "request path");
    for (const [name, value] of url.searchParams) {
      if (hasNul(name) || hasNul(value)) throw nulIn(name, `query parameter "${name}"`);
    }
    await next();
  };
}

function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed escapes are the router's concern
  }
}

function nulIn(field: string, what: string): ThreadlineError {
  return new ThreadlineError("bad_request", `${what} ${NUL_PROBLEM}`, { details: { field } });
}
