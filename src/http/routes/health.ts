import { Hono } from "hono";
import { ROUTES } from "../../protocol/http.js";

/** `GET /healthz` (SPEC §3): liveness, `{status: "ok"}`; needs no API key. */
export function healthRoutes(): Hono {
  const routes = new Hono();
  routes.get(ROUTES.healthz, function healthz(c) {
    return c.json({ status: "ok" });
  });
  return routes;
}
