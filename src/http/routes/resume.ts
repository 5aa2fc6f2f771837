import { Hono } from "hono";
import { stream } from "hono/streaming";
import { ROUTES, UI_MESSAGE_STREAM_HEADERS } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import { clientDisconnectSignal } from "../client-disconnect.js";
import type { UnexpectedErrorLogger } from "../errors.js";
import { pipeSubscription } from "../pipe-subscription.js";
import { formatUIMessageChunk, SseWriter, UI_MESSAGE_STREAM_DONE_FRAME } from "../sse.js";
import { UIMessageStreamReplay } from "../ui-message-stream-replay.js";

/**
 * `GET /v1/threads/:threadId/stream` — the AI SDK resume contract (SPEC §3; protocol doc §1, §4;
 * `DefaultChatTransport.reconnectToStream` calls `GET {api}/{chatId}/stream`).
 *
 * - 204 when no message of the thread is streaming (the client then has nothing to resume); 404
 *   for an unknown thread.
 * - Else, with the AI SDK's `UI_MESSAGE_STREAM_HEADERS`, the UI message stream of the newest
 *   streaming message from its first chunk: its logged chunks, then live ones, then `data: [DONE]`
 *   once it finishes (see {@link UIMessageStreamReplay}). The log from the message's
 *   `message.created` event is read through a subscription with `after`, which replays from the log
 *   and continues live with no gap and no duplicate (R11, R12).
 * - A `: keep-alive` comment every `heartbeatMs` while idle (the AI SDK client ignores comments).
 * - A client disconnect ends this stream only; the producer goes on (R17).
 */
export function resumeRoutes(heartbeatMs: number, log: UnexpectedErrorLogger): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get(ROUTES.resumeStream, async function resumeUIMessageStream(c) {
    const workspace = c.var.workspace;
    const threadId = c.req.param("threadId");
    const { messages } = await workspace.messages.list(threadId);
    const streaming = messages.findLast((m) => m.status === "streaming");
    if (!streaming) return c.body(null, 204);
    for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) c.header(name, value);
    return stream(c, async function sendUIMessageStream(output) {
      const signal = clientDisconnectSignal(c, output);
      const writer = new SseWriter(output, heartbeatMs);
      const replay = new UIMessageStreamReplay(streaming.id);
      const subscription = workspace.subscribe(threadId, {
        after: streaming.createdSeq - 1,
        signal,
      });
      await pipeSubscription(
        subscription,
        writer,
        signal,
        async (event) => {
          if (event.type === "snapshot") return "more";
          const step = replay.next(event);
          for (const chunk of step.chunks) await writer.write(formatUIMessageChunk(chunk));
          if (step.end === "finished") await writer.write(UI_MESSAGE_STREAM_DONE_FRAME);
          return step.end ? "done" : "more";
        },
        (error) => log(error, { method: c.req.method, path: c.req.path }),
      );
    });
  });

  return routes;
}
