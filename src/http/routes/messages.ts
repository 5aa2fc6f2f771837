import { Hono } from "hono";
import type { UIMessagePart } from "../../message/types.js";
import { HEADERS, ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import { readJsonBody } from "../body.js";
import type { HttpLimits } from "../limits.js";
import { appendMessageBody, parseInput } from "../schemas.js";

/**
 * Message routes (SPEC §3), scoped to the request's workspace (another workspace's ids: 404):
 *
 * - `GET /v1/threads/:threadId/messages` → `{messages, seq}`, buffered chunks included (R8);
 * - `POST /v1/threads/:threadId/messages` `{id?, role, parts, metadata?, run?}` → 201
 *   `{message, seq}`, `seq` being the message's `message.created` event. The body may hold up to
 *   `limits.maxMessageBytes` (413 past it); a bad part answers 400 `bad_request` naming its index,
 *   from the library's own check (R2), and nothing is stored. With an `Idempotency-Key`
 *   header (R21) a repeat answers 200 with the same body, and a repeat while the first is in flight
 *   409 `conflict`. A user message (re)arms its thread's run trigger with the `run` options (R22);
 * - `GET /v1/messages/:messageId` → `{message}` (R8); `DELETE` → 204.
 */
export function messageRoutes(limits: HttpLimits): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get(ROUTES.threadMessages, async function listMessages(c) {
    const { messages, seq } = await c.var.workspace.messages.list(c.req.param("threadId"));
    return c.json({ messages, seq });
  });

  routes.post(ROUTES.threadMessages, async function appendMessage(c) {
    const body = await readJsonBody(c.req.raw, limits.maxMessageBytes);
    const { run, ...input } = parseInput(appendMessageBody, body, "request body");
    const idempotencyKey = c.req.header(HEADERS.idempotencyKey);
    const { message, replayed } = await c.var.workspace.messages.submit(
      c.req.param("threadId"),
      { ...input, parts: input.parts as UIMessagePart[] }, // the library checks each part
      {
        ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
        ...(run === undefined ? {} : { run }),
      },
    );
    return c.json({ message, seq: message.createdSeq }, replayed ? 200 : 201);
  });

  routes.get(ROUTES.message, async function getMessage(c) {
    const message = await c.var.workspace.messages.get(c.req.param("messageId"));
    return c.json({ message });
  });

  routes.delete(ROUTES.message, async function deleteMessage(c) {
    await c.var.workspace.messages.delete(c.req.param("messageId"));
    return c.body(null, 204);
  });

  return routes;
}
