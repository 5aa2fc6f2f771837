import { Hono } from "hono";
import type { Registry } from "prom-client";
import { API_PREFIX, SSE_HEARTBEAT_MS } from "../protocol/http.js";
import type { Threadline } from "../threadline.js";
import type { AppEnv } from "./app-env.js";
import { type ApiKeys, authenticate } from "./auth.js";
import { limitContentLength } from "./body.js";
import {
  errorHandler,
  logToConsole,
  logToLogger,
  notFoundHandler,
  type UnexpectedErrorLogger,
} from "./errors.js";
import { type HttpLimits, resolveLimits } from "./limits.js";
import type { ThreadlineLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";
import { logRequests } from "./request-log.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { inspectorRoutes } from "./routes/inspector.js";
import { messageRoutes } from "./routes/messages.js";
import { metricsRoutes } from "./routes/metrics.js";
import { resumeRoutes } from "./routes/resume.js";
import { stopRoutes } from "./routes/stop.js";
import { streamUploadRoutes } from "./routes/stream-upload.js";
import { threadRoutes } from "./routes/threads.js";
import { SseConnections } from "./sse-connections.js";
import { refuseNulInUrl } from "./url-input.js";

/** What {@link createApp} serves. */
export interface AppDeps {
  threadline: Threadline;
  /**
   * API keys, key → workspace id (see `parseApiKeys`). Empty or absent: every request is served by
   * the default workspace, unauthenticated (SPEC §3; the CLI then binds 127.0.0.1 only).
   */
  apiKeys?: ApiKeys;
  /**
   * Size limits in bytes (SPEC §3 413): `maxBodyBytes` for JSON bodies (default 1 MiB),
   * `maxMessageBytes` for a complete message's body and a streamed message's chunks together,
   * `maxChunkBytes` for one uploaded chunk; the last two default to the Threadline's own `limits`
   * (4 MiB per chunk, 64 MiB per message). Streamed uploads have no whole-body limit.
   */
  limits?: Partial<HttpLimits>;
  /** Interval of SSE heartbeat comments in ms (default 15 000, SPEC §3). */
  heartbeatMs?: number;
  /** Where `/metrics` registers Threadline's metrics (default a new registry). */
  registry?: Registry;
  /**
   * Receives unexpected errors (answered 5xx); default the `logger`'s `error` level when one is
   * given, else `console.error`.
   */
  log?: UnexpectedErrorLogger;
  /**
   * A structured logger (a `pino` logger, see {@link ThreadlineLogger}) for one line per request
   * (method, route pattern, status, ms, workspace, error code; issue 8 item 4) and unexpected
   * errors. Default none: the app logs no requests.
   */
  logger?: ThreadlineLogger;
  /**
   * On `@hono/node-server`, write the frames of `GET …/events` straight to the Node response
   * instead of through the response body's web stream (issue 9: less CPU per viewer and event).
   * Only for an app served as it is, as `threadline serve` serves it: a middleware of one's own
   * that reads or rewrites response bodies (compression, say) would not see those frames.
   * Default false.
   */
  writeSseDirectly?: boolean;
  /** Serve the inspector page at `/inspector` (default true; it reads only the API, with a key). */
  inspector?: boolean;
}

/** The Threadline HTTP app: a Hono app, i.e. a `fetch(Request)` handler. */
export type ThreadlineApp = Hono<AppEnv>;

/**
 * Builds the HTTP API of SPEC §3 over a running Threadline. The app binds no port: serve it with
 * `@hono/node-server`'s `serve({ fetch: app.fetch })`, or call `app.request()` in tests.
 *
 * Every `/v1` route authenticates (`Authorization: Bearer <key>` → workspace, 401 otherwise),
 * refuses a `Content-Length` over its route's body limit (413, see {@link HttpLimits}), and
 * answers errors as `{ "error": { "code", "message" } }` with the code's status. `/healthz` and
 * `/metrics` are open. With a `logger`, every request is logged (see `logRequests`).
 *
 * @throws ThreadlineError `bad_request` for invalid limits.
 * @example
 * ```ts
 * import { serve } from "@hono/node-server";
 * const threadline = await createThreadline({ database: "sqlite:./threadline.db" });
 * const app = createApp({ threadline, apiKeys: parseApiKeys(["acme:sk-1"]) });
 * serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 4000 });
 * ```
 */
export function createApp(deps: AppDeps): ThreadlineApp {
  const limits = resolveLimits(deps.limits, deps.threadline.limits);
  const heartbeatMs = deps.heartbeatMs ?? SSE_HEARTBEAT_MS;
  const log = deps.log ?? (deps.logger ? logToLogger(deps.logger) : logToConsole);
  const sse = new SseConnections();
  const { registry } = createMetrics(deps.threadline, deps.registry, {
    sseConnections: () => sse.open,
  });

  const app = new Hono<AppEnv>();
  app.onError(errorHandler(log));
  app.notFound(notFoundHandler);
  if (deps.logger) app.use("*", logRequests(deps.logger));
  app.route("/", healthRoutes());
  app.route("/", metricsRoutes(registry));
  if (deps.inspector !== false) app.route("/", inspectorRoutes());
  app.use(`${API_PREFIX}/*`, sse.middleware());
  app.use(`${API_PREFIX}/*`, authenticate(deps.threadline, deps.apiKeys));
  app.use(`${API_PREFIX}/*`, limitContentLength(limits));
  app.use(`${API_PREFIX}/*`, refuseNulInUrl());
  app.route("/", threadRoutes(limits));
  app.route("/", messageRoutes(limits));
  app.route("/", streamUploadRoutes(limits));
  app.route("/", eventRoutes(heartbeatMs, log, sse, deps.writeSseDirectly ?? false));
  app.route("/", resumeRoutes(heartbeatMs));
  app.route("/", stopRoutes(limits));
  return app;
}
