import { serveStatic } from "@hono/node-server/serve-static";
import type { LanguageModel } from "ai";
import { Hono } from "hono";
import { errorResponse, type Threadline } from "threadline";
import { chatRoutes } from "./chat-routes.js";

/** Options of {@link createChatApp}. */
export interface ChatAppOptions {
  threadline: Threadline;
  /** The model `streamText` calls. */
  model: LanguageModel;
  /** When set, `GET /api/debug/model` answers its result (the tests read the mock model's stats). */
  debugStats?: () => unknown;
  /** A built page (`buildChatPage`) served at `/`. */
  staticDir?: string;
}

/**
 * The example's HTTP app: the three AI SDK chat routes on Threadline (send, resume, stop), the
 * thread list and a thread's messages for the page, and the built page itself.
 *
 * @example
 * ```ts
 * const app = createChatApp({ threadline, model: openai("gpt-4o-mini") });
 * serve({ fetch: app.fetch, port: 3000 });
 * ```
 */
export function createChatApp(options: ChatAppOptions): Hono {
  const { threadline, model } = options;
  const app = new Hono();

  const routes = chatRoutes(threadline, model);
  app.post("/api/chat", (c) => routes.chat(c.req.raw));
  app.get("/api/chat/:id/stream", (c) => routes.resume(c.req.param("id")));
  app.post("/api/chat/:id/stop", (c) => routes.stop(c.req.param("id")));

  app.get("/api/threads", async (c) => c.json(await threadline.threads.list({ limit: 50 })));
  app.get("/api/threads/:id/messages", async (c) =>
    c.json(await threadline.messages.list(c.req.param("id"))),
  );
  const { debugStats, staticDir } = options;
  if (debugStats) app.get("/api/debug/model", (c) => c.json(debugStats()));
  if (staticDir) app.use("/*", serveStatic({ root: staticDir }));

  app.onError((error) => errorResponse(error));
  return app;
}
