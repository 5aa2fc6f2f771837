import { ThreadlineError } from "../errors.js";
import { ERROR_STATUS, type ErrorCode } from "../protocol/error-codes.js";

/**
 * Turns a non-2xx response back into the {@link ThreadlineError} the server threw (STYLE habit 8):
 * the body `{ error: { code, message, details? } }` keeps its code; anything else becomes
 * `internal` (5xx) or `bad_request` (4xx) with the status and body text in the message.
 */
export async function errorFromResponse(response: Response): Promise<ThreadlineError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as {
      error?: { code?: string; message?: string; details?: Record<string, unknown> };
    };
    const code = body.error?.code;
    if (code && code in ERROR_STATUS) {
      return new ThreadlineError(code as ErrorCode, body.error?.message ?? code, {
        ...(body.error?.details ? { details: body.error.details } : {}),
      });
    }
  } catch {
    // Not a Threadline error body.
  }
  const code: ErrorCode =
    response.status === 401
      ? "unauthorized"
      : response.status === 404
        ? "not_found"
        : response.status >= 500
          ? "internal"
          : "bad_request";
  return new ThreadlineError(
    code,
    `HTTP ${response.status}${text ? `: ${text.slice(0, 500)}` : ""}`,
    {
      details: { status: response.status },
    },
  );
}
