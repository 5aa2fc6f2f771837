import { isThreadlineError, ThreadlineError } from "../errors.js";
import { isTransientStoreError } from "../store/transient-errors.js";

/**
 * The `Response` of a failed chat route call, for frameworks without an error handler of their
 * own (a Next.js route, a plain `fetch` handler): a {@link ThreadlineError} as its status and
 * `{ "error": { "code", "message" } }` (SPEC §3 error body); a transient database error
 * (connection lost, server restarting, disk full) as 503 `unavailable` with `Retry-After` (R30);
 * anything else as 500 `internal` without its message (it may hold internals; log it yourself).
 *
 * @example
 * ```ts
 * export async function POST(request: Request) {
 *   try {
 *     return await routes.chat(request);
 *   } catch (error) {
 *     return errorResponse(error);
 *   }
 * }
 * ```
 */
export function errorResponse(error: unknown): Response {
  const known = isThreadlineError(error)
    ? error
    : isTransientStoreError(error)
      ? new ThreadlineError("unavailable", "the database is unavailable; retry later", {
          cause: error,
        })
      : new ThreadlineError("internal", "internal server error", { cause: error });
  const headers: Record<string, string> = known.status === 503 ? { "Retry-After": "1" } : {};
  return Response.json(known.toJSON(), { status: known.status, headers });
}
