import { Hono } from "hono";
import type { Registry } from "prom-client";
import { HEADERS, ROUTES } from "../../protocol/http.js";

/**
 * `GET /metrics` (SPEC §3, R12): the registry in Prometheus text format. Needs no API key: it
 * holds process-wide counters only, nothing of any workspace.
 */
export function metricsRoutes(registry: Registry): Hono {
  const routes = new Hono();
  routes.get(ROUTES.metrics, async function metrics(c) {
    const text = await registry.metrics();
    return c.text(text, 200, { [HEADERS.contentType]: registry.contentType });
  });
  return routes;
}
