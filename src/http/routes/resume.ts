import { Hono } from "hono";
import { ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";

/**
 * `GET /v1/threads/:threadId/stream` — the AI SDK resume contract (SPEC §3; protocol doc §1, §4;
 * `DefaultChatTransport.reconnectToStream` calls `GET {api}/{chatId}/stream`): a thin adapter over
 * `threadline.chat.resumeResponse` — 204 when no message of the thread is streaming (or no such
 * thread: a new chat has nothing to resume), else the streaming message's UI message stream from its `start` chunk, then live,
 * then `data: [DONE]`, with a `: keep-alive` comment every `heartbeatMs` while idle. A client
 * disconnect ends this stream only; the producer goes on (R17). Its subscription counts toward the
 * workspace's `maxSubscribers`: past it, 429 `rate_limited` with `Retry-After` before any byte (R33).
 */
export function resumeRoutes(heartbeatMs: number): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get(ROUTES.resumeStream, function resumeUIMessageStream(c) {
    return c.var.workspace.chat.resumeResponse(c.req.param("threadId"), { heartbeatMs });
  });
  return routes;
}
