import { serveStatic } from "@hono/node-server/serve-static";
import { convertToModelMessages, type LanguageModel, streamText } from "ai";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isThreadlineError, type Threadline } from "threadline";

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

  // useChat's DefaultChatTransport: store the user message, stream the reply while storing it.
  app.post("/api/chat", async (c) => {
    const body = await c.req.json();
    const turn = await threadline.chat.receive(body, { title: titleOf(body) });
    const reply = await threadline.chat.respond(turn.threadId, async ({ abortSignal }) => {
      const messages = await convertToModelMessages(turn.messages);
      return streamText({ model, messages, abortSignal }).toUIMessageStream();
    });
    return reply.toResponse();
  });

  // useChat({ resume: true }): the reply still streaming, from its first chunk; 204 when none.
  app.get("/api/chat/:id/stream", (c) => threadline.chat.resumeResponse(c.req.param("id")));

  // The stop button: ends the generation on whichever node runs it.
  app.post("/api/chat/:id/stop", async (c) => c.json(await threadline.stop(c.req.param("id"))));

  app.get("/api/threads", async (c) => c.json(await threadline.threads.list({ limit: 50 })));
  app.get("/api/threads/:id/messages", async (c) =>
    c.json(await threadline.messages.list(c.req.param("id"))),
  );
  const { debugStats, staticDir } = options;
  if (debugStats) app.get("/api/debug/model", (c) => c.json(debugStats()));
  if (staticDir) app.use("/*", serveStatic({ root: staticDir }));

  app.onError((error, c) =>
    isThreadlineError(error)
      ? c.json(error.toJSON(), error.status as ContentfulStatusCode)
      : c.json({ error: { code: "internal", message: String(error) } }, 500),
  );
  return app;
}

/** A new thread's title: the start of the text the user sent. */
function titleOf(body: { messages?: { parts?: { type: string; text?: string }[] }[] }): string {
  const text = body.messages?.at(-1)?.parts?.find((part) => part.type === "text")?.text ?? "";
  return text.length > 40 ? `${text.slice(0, 40)}…` : text || "New chat";
}
