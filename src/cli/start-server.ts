import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ThreadlineError } from "../errors.js";
import { createApp } from "../http/app.js";
import type { ApiKeys } from "../http/auth.js";
import type { HttpLimits } from "../http/limits.js";
import { logThreadlineEvents } from "../http/log-events.js";
import type { ThreadlineLogger } from "../http/logger.js";
import { EventHub } from "../observe.js";
import { createThreadline, type Threadline, type ThreadlineOptions } from "../threadline.js";

/** Options of {@link startServer}. */
export interface ServerOptions extends Omit<ThreadlineOptions, "store"> {
  /** Interface to bind; default 127.0.0.1. Without API keys only loopback is allowed (SPEC §3). */
  host?: string;
  /** Port; 0 picks a free one. Default 4000. */
  port?: number;
  /** API keys (key → workspace). Empty: one default workspace, no auth, loopback only. */
  apiKeys?: ApiKeys;
  /**
   * Size limits in bytes (SPEC §3 413): `maxChunkBytes` and `maxMessageBytes` for every writer and
   * upload, `maxBodyBytes` for the JSON bodies of the other routes (see `HttpLimits`).
   */
  limits?: Partial<HttpLimits>;
  /**
   * Structured logger (issue 8 item 4): one line per request, the lifecycle events from the first
   * sweep on (see `logThreadlineEvents`), unexpected errors with their code. Default none: requests
   * and events are not logged, unexpected errors go to `console.error`.
   */
  logger?: ThreadlineLogger;
}

/** A running server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  threadline: Threadline;
  /**
   * Stops accepting connections, then closes Threadline — flushes buffered writes (R7), ends open
   * writers' messages `aborted` (R31), fires the run triggers this process armed (R23) — then ends
   * the remaining connections.
   */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Opens Threadline and serves its HTTP API (SPEC §3) with `@hono/node-server`: the only place a
 * port is bound.
 *
 * @throws ThreadlineError `bad_request` when asked to bind a non-loopback host without API keys.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const apiKeys = options.apiKeys ?? new Map();
  if (apiKeys.size === 0 && !LOOPBACK.has(host)) {
    throw new ThreadlineError(
      "bad_request",
      `refusing to bind ${host} without API keys: pass --api-key WORKSPACE:KEY (or THREADLINE_API_KEYS), or bind 127.0.0.1`,
    );
  }
  const events = options.events ?? new EventHub();
  if (options.logger) logThreadlineEvents(events, options.logger);
  const threadline = await createThreadline({ ...options, events });
  let app: ReturnType<typeof createApp>;
  try {
    app = createApp({
      threadline,
      apiKeys,
      writeSseDirectly: true, // served as it is below
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  } catch (error) {
    await threadline.close(); // a bad HTTP limit
    throw error;
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 4000 }, () =>
      resolve(started),
    );
    started.once("error", reject);
  }).catch(async (error) => {
    await threadline.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    threadline,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        try {
          // First, while uploads are still connected: their messages end `aborted` with the
          // shutdown reason and further requests answer 503 `closed` (R31).
          await threadline.close();
        } finally {
          // Live SSE connections and open uploads would hold server.close() open: end them.
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          await stopped;
        }
      })();
      return closing;
    },
  };
}
