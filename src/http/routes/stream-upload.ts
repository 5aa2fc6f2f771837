import { Hono } from "hono";
import { HEADERS, ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import type { HttpLimits } from "../limits.js";
import { nodeBodyText, untouchedNodeRequestOf } from "../node-request-body.js";
import { persistUIMessageStream } from "../persist-ui-message-stream.js";
import { formatOfContentType, UIMessageStreamBodyReader } from "../read-ui-message-stream-body.js";

/**
 * `POST /v1/threads/:threadId/messages/stream` (SPEC §3): the body is an AI SDK UI message stream —
 * SSE `data:` lines, or NDJSON with `Content-Type: application/x-ndjson` — persisted as one
 * assistant message while it arrives (R3–R16); answers `{message}` with the final stored message.
 * See {@link persistUIMessageStream} for how chunks, early ends and bad chunks are handled.
 *
 * On `@hono/node-server` the body is read from the Node request itself (`nodeBodyText`), without
 * the Web-stream layers around it; on any other runtime from the Web `Request` body.
 */
export function streamUploadRoutes(limits: HttpLimits): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post(ROUTES.messageStream, async function uploadMessageStream(c) {
    const workspace = c.var.workspace;
    const threadId = c.req.param("threadId");
    await workspace.threads.get(threadId); // 404 before anything is read or written
    const format = formatOfContentType(c.req.header(HEADERS.contentType));
    const incoming = untouchedNodeRequestOf(c);
    const records = incoming
      ? new UIMessageStreamBodyReader(nodeBodyText(incoming), format, limits)
      : UIMessageStreamBodyReader.of(c.req.raw.body, format, limits);
    let stopped = false;
    try {
      const persisted = await persistUIMessageStream(workspace, threadId, records);
      stopped = persisted.stopped;
      return c.json({ message: persisted.message });
    } finally {
      // A stopped upload (R28) answers before its body ended: the rest is read and dropped.
      if (stopped) records.drain();
      else records.release();
    }
  });

  return routes;
}
