import { Hono } from "hono";
import { QUERY, ROUTES } from "../../protocol/http.js";
import type { AppEnv } from "../app-env.js";
import { readJsonBody } from "../body.js";
import type { HttpLimits } from "../limits.js";
import { createThreadBody, forkThreadBody, listThreadsQuery, parseInput } from "../schemas.js";

/**
 * Thread routes (SPEC §3), all scoped to the request's workspace (another workspace's ids: 404):
 *
 * - `POST /v1/threads` `{id?, title?, metadata?}` → 201 `{thread}` (409 when the id is taken);
 * - `GET /v1/threads?limit&cursor` → `{threads, nextCursor}`, newest first, `limit` 1–200;
 * - `GET /v1/threads/:threadId` → `{thread}`; `DELETE` → 204 (R20);
 * - `POST /v1/threads/:threadId/fork` `{atSeq?, atMessageId?}` → 201 `{thread}` (R19).
 */
export function threadRoutes(limits: HttpLimits): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.post(ROUTES.threads, async function createThread(c) {
    const body = (await readJsonBody(c.req.raw, limits.maxBodyBytes)) ?? {};
    const input = parseInput(createThreadBody, body, "request body");
    const thread = await c.var.workspace.threads.create(input);
    return c.json({ thread }, 201);
  });

  routes.get(ROUTES.threads, async function listThreads(c) {
    const query = parseInput(
      listThreadsQuery,
      { limit: c.req.query(QUERY.limit), cursor: c.req.query(QUERY.cursor) },
      "query",
    );
    const page = await c.var.workspace.threads.list(query);
    return c.json({ threads: page.threads, nextCursor: page.nextCursor });
  });

  routes.get(ROUTES.thread, async function getThread(c) {
    const thread = await c.var.workspace.threads.get(c.req.param("threadId"));
    return c.json({ thread });
  });

  routes.delete(ROUTES.thread, async function deleteThread(c) {
    await c.var.workspace.threads.delete(c.req.param("threadId"));
    return c.body(null, 204);
  });

  routes.post(ROUTES.fork, async function forkThread(c) {
    const body = (await readJsonBody(c.req.raw, limits.maxBodyBytes)) ?? {};
    const input = parseInput(forkThreadBody, body, "request body");
    const thread = await c.var.workspace.threads.fork(c.req.param("threadId"), input);
    return c.json({ thread }, 201);
  });

  return routes;
}
