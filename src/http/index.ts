/**
 * `http/`: the HTTP API of SPEC §3 as a Hono app. It sits above the library (it calls the
 * per-workspace API) and is the only place that knows about HTTP, SSE framing and prom-client.
 */

export { type ReplayStep, UIMessageStreamReplay } from "../ai-sdk/ui-message-stream-replay.js";
export { type AppDeps, createApp, type ThreadlineApp } from "./app.js";
export type { AppEnv } from "./app-env.js";
export { type ApiKeys, apiKeysFromEnv, authenticate, parseApiKeys } from "./auth.js";
export { limitContentLength } from "./body.js";
export {
  errorHandler,
  logToConsole,
  logToLogger,
  notFoundHandler,
  toThreadlineError,
  type UnexpectedErrorLogger,
} from "./errors.js";
export { DEFAULT_LIMITS, type HttpLimits } from "./limits.js";
export { logThreadlineEvents } from "./log-events.js";
export {
  LOG_LEVELS,
  type LogFn,
  type LogLevel,
  silentLogger,
  type ThreadlineLogger,
} from "./logger.js";
export { createMetrics, type ThreadlineMetrics } from "./metrics.js";
export type { MetricSources } from "./metrics-gauges.js";
export { persistUIMessageStream } from "./persist-ui-message-stream.js";
export {
  BodyInterruptedError,
  formatOfContentType,
  readUIMessageStreamBody,
  type UIMessageStreamFormat,
} from "./read-ui-message-stream-body.js";
export { logRequests, REQUEST_LOG_MESSAGE, type RequestLogFields } from "./request-log.js";
// The routes createApp mounts, for an app of one's own (they expect `authenticate` before them).
export { eventRoutes } from "./routes/events.js";
export { healthRoutes } from "./routes/health.js";
export { messageRoutes } from "./routes/messages.js";
export { metricsRoutes } from "./routes/metrics.js";
export { resumeRoutes } from "./routes/resume.js";
export { streamUploadRoutes } from "./routes/stream-upload.js";
export { threadRoutes } from "./routes/threads.js";
export {
  formatSseComment,
  formatSseEvent,
  formatThreadEvent,
  formatUIMessageChunk,
  SseWriter,
  UI_MESSAGE_STREAM_DONE_FRAME,
} from "./sse.js";
export { SseConnections } from "./sse-connections.js";
