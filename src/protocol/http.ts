/**
 * Every wire string of the HTTP API (SPEC §3), shared by the server and the client (STYLE habit 7).
 */

/** Path prefix of API version 1. */
export const API_PREFIX = "/v1";

/** Paths of the API, built the same way by server routes and client calls. */
export const PATHS = {
  threads: `${API_PREFIX}/threads`,
  thread: (threadId: string) => `${API_PREFIX}/threads/${encodeURIComponent(threadId)}`,
  fork: (threadId: string) => `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/fork`,
  threadMessages: (threadId: string) =>
    `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/messages`,
  messageStream: (threadId: string) =>
    `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/messages/stream`,
  events: (threadId: string) => `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/events`,
  resumeStream: (threadId: string) =>
    `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/stream`,
  stop: (threadId: string) => `${API_PREFIX}/threads/${encodeURIComponent(threadId)}/stop`,
  message: (messageId: string) => `${API_PREFIX}/messages/${encodeURIComponent(messageId)}`,
  healthz: "/healthz",
  metrics: "/metrics",
} as const;

/**
 * The same paths as {@link PATHS}, as route patterns with `:threadId` / `:messageId` parameters,
 * for the server's router (`PATHS.thread(id)` is `ROUTES.thread` with the parameter filled in).
 */
export const ROUTES = {
  threads: PATHS.threads,
  thread: `${API_PREFIX}/threads/:threadId`,
  fork: `${API_PREFIX}/threads/:threadId/fork`,
  threadMessages: `${API_PREFIX}/threads/:threadId/messages`,
  messageStream: `${API_PREFIX}/threads/:threadId/messages/stream`,
  events: `${API_PREFIX}/threads/:threadId/events`,
  resumeStream: `${API_PREFIX}/threads/:threadId/stream`,
  stop: `${API_PREFIX}/threads/:threadId/stop`,
  message: `${API_PREFIX}/messages/:messageId`,
  healthz: PATHS.healthz,
  metrics: PATHS.metrics,
} as const;

/** Request and response header names (lower case). */
export const HEADERS = {
  authorization: "authorization",
  contentType: "content-type",
  idempotencyKey: "idempotency-key",
  lastEventId: "last-event-id",
  cacheControl: "cache-control",
  contentLength: "content-length",
  wwwAuthenticate: "www-authenticate",
} as const;

/** The `Authorization` scheme of API keys (`Authorization: Bearer <key>`, SPEC §3). */
export const AUTH_SCHEME = "Bearer";

/** Query parameter names. */
export const QUERY = {
  after: "after",
  limit: "limit",
  cursor: "cursor",
} as const;

/** Content types the API reads and writes. */
export const CONTENT_TYPES = {
  json: "application/json",
  ndjson: "application/x-ndjson",
  eventStream: "text/event-stream",
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
} as const;

/**
 * SSE `event:` names of `GET /v1/threads/:id/events`: `snapshot` first (unless resuming), then the
 * event types of the log (`message.delta`, …, see `EVENT_TYPES`). `id:` carries the seq.
 */
export const SSE_SNAPSHOT_EVENT = "snapshot";

/** Interval of the SSE heartbeat comment (SPEC §3). */
export const SSE_HEARTBEAT_MS = 15_000;

/** Text of the SSE heartbeat comment (`: keep-alive`, as the AI SDK's own keep-alive sends). */
export const SSE_HEARTBEAT_COMMENT = "keep-alive";

/**
 * Response headers of an AI SDK UI message stream (`UI_MESSAGE_STREAM_HEADERS` in `ai`), used by
 * `GET /v1/threads/:id/stream` so AI SDK clients resume from Threadline unchanged.
 */
export const UI_MESSAGE_STREAM_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
  "x-vercel-ai-ui-message-stream": "v1",
  "x-accel-buffering": "no",
} as const;

/** The SSE data line that ends an AI SDK UI message stream. */
export const UI_MESSAGE_STREAM_DONE = "[DONE]";

/** Environment variable with API keys, `WORKSPACE:KEY` pairs separated by commas. */
export const API_KEYS_ENV = "THREADLINE_API_KEYS";
