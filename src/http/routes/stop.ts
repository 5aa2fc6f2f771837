import { Hono } from "hono";
import { ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import { readJsonBody } from "../body.js";
import type { HttpLimits } from "../limits.js";
import { parseInput, stopBody } from "../schemas.js";

/**
 * `POST /v1/threads/:threadId/stop` `{messageId?}` (SPEC §3, R28): stops the thread's streaming
 * message (or `messageId`) on whichever node writes it → 200 `{stopped, message}`; `stopped: false`
 * when nothing was streaming (`message` null, or the finished message). 404 for an unknown thread
 * or a message not in it.
 */
export function stopRoutes(limits: HttpLimits): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post(ROUTES.stop, async function stopStreamingMessage(c) {
    const body = parseInput(
      stopBody,
      (await readJsonBody(c.req.raw, limits.maxBodyBytes)) ?? {},
      "request body",
    );
    const result = await c.var.workspace.stop(c.req.param("threadId"), body);
    return c.json(result);
  });
  return routes;
}
