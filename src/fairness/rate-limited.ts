import { ThreadlineError } from "../errors.js";
import type { LimitName } from "./workspace-limits.js";

/**
 * How long a refused stream or subscriber is asked to wait, in ms: a slot frees when another
 * stream or subscription of the workspace ends, which nothing here can foresee.
 */
export const SLOT_RETRY_AFTER_MS = 1_000;

const WHAT: Record<LimitName, string> = {
  streams: "streaming messages",
  chunks: "chunks per second",
  bytes: "bytes per second",
  subscribers: "subscribers",
};

/**
 * ThreadlineError `rate_limited` (HTTP 429, R33) for a workspace over one of its limits, with
 * `details: { limit, max, workspaceId, retryAfterMs }` (`limit` the short name: `streams`,
 * `chunks`, `bytes`, `subscribers`; `max` its value). The HTTP layer turns `retryAfterMs` into the
 * `Retry-After` header, in whole seconds.
 */
export function rateLimited(
  workspaceId: string,
  limit: LimitName,
  max: number,
  retryAfterMs: number,
): ThreadlineError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1_000));
  return new ThreadlineError(
    "rate_limited",
    `workspace ${workspaceId} is at its limit of ${max} ${WHAT[limit]}; retry in ${seconds} s`,
    { details: { limit, max, workspaceId, retryAfterMs } },
  );
}
