import { type Context, Hono } from "hono";
import { HEADERS } from "../../protocol/http.js";
import {
  type InspectorFile,
  readLibraryModule,
  readPageFile,
  readSseParserModule,
} from "../inspector-files.js";

/** Where the inspector page is served. */
export const INSPECTOR_PATH = "/inspector";

/**
 * The inspector page (issue 8 item 7): a static page at `/inspector/` where an operator browses
 * threads and watches one live. It is only files — HTML, CSS and ES modules loaded without a
 * bundle (see `inspector-files.ts`) — and reads nothing but the public API (`/v1/threads…`,
 * `/metrics`) from the browser, so it needs no key itself: with API keys configured, the page asks
 * for one and sends it as `Authorization: Bearer` on every API call.
 *
 * - `GET /inspector` → redirect to `/inspector/` (the page's relative URLs resolve under it);
 * - `GET /inspector/` → the page; `GET /inspector/inspector.css` → its styles;
 * - `GET /inspector/lib/<path>.js` → a browser-safe module of the library (`client/index.js`, …);
 * - `GET /inspector/vendor/eventsource-parser/<file>.js` → the SSE parser the client imports.
 *
 * Anything else under `/inspector/` is a 404. Files are sent with `Cache-Control: no-cache`, so
 * an upgraded server's page is never mixed with a cached older module.
 */
export function inspectorRoutes(): Hono {
  const routes = new Hono();
  const base = INSPECTOR_PATH;

  routes.get(base, function inspectorRedirect(c) {
    return c.redirect(`${base.slice(1)}/`, 301); // relative: kept under a proxy's path prefix
  });
  routes.get(`${base}/`, async function inspectorPage(c) {
    return send(c, await readPageFile("index.html"));
  });
  routes.get(`${base}/inspector.css`, async function inspectorStyles(c) {
    return send(c, await readPageFile("inspector.css"));
  });
  routes.get(`${base}/lib/*`, async function inspectorModule(c) {
    return send(c, await readLibraryModule(c.req.path.slice(`${base}/lib/`.length)));
  });
  routes.get(`${base}/vendor/eventsource-parser/:file`, async function inspectorVendor(c) {
    return send(c, await readSseParserModule(c.req.param("file")));
  });
  return routes;
}

function send(c: Context, file: InspectorFile | undefined): Response | Promise<Response> {
  if (!file) return c.notFound();
  return c.body(file.text, 200, {
    [HEADERS.contentType]: file.contentType,
    [HEADERS.cacheControl]: "no-cache",
  });
}
