import type { Context, MiddlewareHandler, Next } from "hono";
import { ThreadlineError } from "../errors.js";
import { API_KEYS_ENV, AUTH_SCHEME, HEADERS } from "../protocol/http.js";
import type { Threadline } from "../threadline.js";
import type { AppEnv } from "./app-env.js";
import { errorResponse } from "./errors.js";

/** API keys: key → workspace id (SPEC §3). */
export type ApiKeys = ReadonlyMap<string, string>;

/**
 * Parses `WORKSPACE:KEY` specs (the CLI's `--api-key` values, or {@link API_KEYS_ENV}) into a key →
 * workspace map (SPEC §3). The workspace is everything before the first `:`, the key everything
 * after it; surrounding spaces are trimmed. Error messages name the spec by position, never the key.
 *
 * @throws ThreadlineError `bad_request` for a spec without `:`, an empty workspace or key, or a key
 *   given twice.
 * @example
 * ```ts
 * const keys = parseApiKeys(["acme:sk-1", "globex:sk-2"]);
 * keys.get("sk-1"); // "acme"
 * ```
 */
export function parseApiKeys(specs: readonly string[]): Map<string, string> {
  const keys = new Map<string, string>();
  specs.forEach((spec, index) => {
    const where = `API key spec #${index + 1}`;
    const colon = spec.indexOf(":");
    if (colon < 0) {
      throw new ThreadlineError("bad_request", `${where} must have the form WORKSPACE:KEY`);
    }
    const workspace = spec.slice(0, colon).trim();
    const key = spec.slice(colon + 1).trim();
    if (workspace === "")
      throw new ThreadlineError("bad_request", `${where} has an empty workspace`);
    if (key === "") throw new ThreadlineError("bad_request", `${where} has an empty key`);
    if (/\s/.test(key))
      throw new ThreadlineError("bad_request", `${where}: the key contains spaces`);
    if (keys.has(key)) {
      throw new ThreadlineError("bad_request", `${where} repeats the key of an earlier spec`);
    }
    keys.set(key, workspace);
  });
  return keys;
}

/**
 * Reads API keys from the environment variable {@link API_KEYS_ENV} (`WORKSPACE:KEY` pairs
 * separated by commas; empty entries are ignored). An unset or empty variable gives no keys.
 *
 * @throws ThreadlineError `bad_request` as {@link parseApiKeys} does.
 * @example
 * ```ts
 * const keys = apiKeysFromEnv({ THREADLINE_API_KEYS: "acme:sk-1,globex:sk-2" });
 * ```
 */
export function apiKeysFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Map<string, string> {
  const value = env[API_KEYS_ENV] ?? "";
  return parseApiKeys(value.split(",").filter((spec) => spec.trim() !== ""));
}

/**
 * Middleware selecting the request's workspace (SPEC §3, §1). With no keys configured every request
 * is served by the default workspace (`threadline` itself) and `Authorization` is ignored. With
 * keys, `Authorization: Bearer <key>` must name a known key, else the answer is 401 `unauthorized`
 * with a `WWW-Authenticate: Bearer` challenge.
 */
export function authenticate(
  threadline: Threadline,
  apiKeys: ApiKeys | undefined,
): MiddlewareHandler<AppEnv> {
  return async function authenticateRequest(c: Context<AppEnv>, next: Next) {
    if (!apiKeys || apiKeys.size === 0) {
      c.set("workspace", threadline);
      return next();
    }
    const header = c.req.header(HEADERS.authorization);
    const key = bearerKey(header);
    const workspaceId = key === undefined ? undefined : apiKeys.get(key);
    if (workspaceId === undefined) {
      const message =
        header === undefined
          ? `missing "Authorization: ${AUTH_SCHEME} <key>" header`
          : key === undefined
            ? `malformed Authorization header: expected "${AUTH_SCHEME} <key>"`
            : "unknown API key";
      c.header(HEADERS.wwwAuthenticate, `${AUTH_SCHEME} realm="threadline"`);
      return errorResponse(c, new ThreadlineError("unauthorized", message));
    }
    c.set("workspace", threadline.workspace(workspaceId));
    return next();
  };
}

/** The key of an `Authorization: Bearer <key>` header (scheme case-insensitive), if any. */
function bearerKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match || match[1]?.toLowerCase() !== AUTH_SCHEME.toLowerCase()) return undefined;
  return match[2];
}
