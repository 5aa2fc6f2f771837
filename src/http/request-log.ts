import type { Context, MiddlewareHandler, Next } from "hono";
import { matchedRoutes } from "hono/route";
import type { ErrorCode } from "../protocol/error-codes.js";
import { ROUTES } from "../protocol/http.js";
import type { AppEnv } from "./app-env.js";
import type { LogLevel, ThreadlineLogger } from "./logger.js";

/** The message of every request line, so a log search finds them all. */
export const REQUEST_LOG_MESSAGE = "request";

/** Routes probed every few seconds by orchestrators and scrapers: their lines go at `debug`. */
const PROBE_ROUTES: ReadonlySet<string> = new Set([ROUTES.healthz, ROUTES.metrics]);

/**
 * The fields of one request line (issue 8 item 4). `route` is the matched route pattern
 * (`/v1/threads/:threadId/events`, never the ids themselves), null for a path no route matched;
 * `ms` is the time until the response began (a streamed upload answers once its message ended; an
 * SSE response begins at once, so its `ms` is the time to its first byte); `workspace` is the
 * authenticated workspace (absent before authentication, e.g. on a 401); `code` the error code of
 * an error answer (SPEC §3).
 */
export interface RequestLogFields {
  method: string;
  route: string | null;
  status: number;
  ms: number;
  workspace?: string;
  code?: ErrorCode;
}

/**
 * Middleware logging one line per request (issue 8 item 4) with {@link RequestLogFields}, after
 * the response is ready: `info`, `debug` for `/healthz` and `/metrics`, `warn` for a 503 (closing
 * or unavailable: retried by clients, R30) and `error` for any other 5xx. It never changes the
 * response. `createApp({ logger })` mounts it first, so it times every other middleware too.
 *
 * @example
 * ```ts
 * app.use("*", logRequests(pino()));
 * // {"level":30,"msg":"request","method":"GET","route":"/v1/threads/:threadId","status":200,"ms":1.7,"workspace":"acme"}
 * ```
 */
export function logRequests(logger: ThreadlineLogger): MiddlewareHandler<AppEnv> {
  return async function logRequest(c: Context<AppEnv>, next: Next) {
    const startedAt = performance.now();
    await next();
    const fields = requestLogFields(c, performance.now() - startedAt);
    logger[levelOf(fields)](fields, REQUEST_LOG_MESSAGE);
  };
}

function requestLogFields(c: Context<AppEnv>, elapsedMs: number): RequestLogFields {
  const fields: RequestLogFields = {
    method: c.req.method,
    route: routePattern(c),
    status: c.res.status,
    ms: Math.round(elapsedMs * 10) / 10,
  };
  const workspace = c.get("workspace") as { workspaceId?: string } | undefined;
  if (workspace?.workspaceId !== undefined) fields.workspace = workspace.workspaceId;
  const code = c.get("errorCode");
  if (code !== undefined) fields.code = code;
  return fields;
}

/**
 * The pattern of the route that answered: the last matched handler that is not middleware (`use`
 * registers its middleware for every method, `ALL`); null when only middleware matched (404).
 */
function routePattern(c: Context<AppEnv>): string | null {
  const route = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  return route?.path ?? null;
}

function levelOf({ route, status }: RequestLogFields): LogLevel {
  if (status === 503) return "warn";
  if (status >= 500) return "error";
  return route !== null && PROBE_ROUTES.has(route) ? "debug" : "info";
}
