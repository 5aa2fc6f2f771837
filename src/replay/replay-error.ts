/**
 * The one way the replay subsystem reports a recording it cannot read or replay.
 */
import { ThreadlineError } from "../errors.js";

/**
 * Builds the `bad_request` {@link ThreadlineError} for an unusable recording. The message names
 * the file and says why (`Cannot replay recording "openai/x.chunks.txt": line 3 is not JSON …`);
 * `details` is `{ path, reason, ...extra }` (for example `line`).
 *
 * @example
 * ```ts
 * throw recordingError("x.chunks.txt", "the file is empty");
 * ```
 */
export function recordingError(
  path: string,
  reason: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): ThreadlineError {
  return new ThreadlineError("bad_request", `Cannot replay recording "${path}": ${reason}`, {
    cause: options.cause,
    details: { path, reason, ...options.details },
  });
}
