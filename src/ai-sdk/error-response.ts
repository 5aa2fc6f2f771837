import { isThreadlineError, ThreadlineError } from "../errors.js";

/**
 * The `Response` of a failed chat route call, for frameworks without an error handler of their
 * own (a Next.js route, a plain `fetch` handler): a {@link ThreadlineError} as its status and
 * `{ "error": { "code", "message" } }` (SPEC §3 error body), anything else as 500 `internal`
 * without its message (it may hold internals; log it yourself).
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
    : new ThreadlineError("internal", "internal server error", { cause: error });
  return Response.json(known.toJSON(), { status: known.status });
}
