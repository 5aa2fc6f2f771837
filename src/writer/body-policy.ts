/** Minimum new delta bytes between two rewrites of a streaming message's full parts (R9). */
export const BODY_REWRITE_MIN_BYTES = 16 * 1024;
/** Minimum time between two rewrites of a streaming message's full parts (R9). */
export const BODY_REWRITE_MIN_INTERVAL_MS = 1_000;

/**
 * Decides whether a streaming tick also rewrites the message's full parts JSON (R9). Deltas always
 * go to the log; the body is rewritten at most every second, and only once the deltas logged since
 * the last rewrite reach 16 KiB *and* the size of that last body. The second bound makes the
 * rewrites geometric, so the bytes written per streamed character stay O(1) however long the
 * message grows, while a reader never folds more than about one body's worth of deltas.
 */
export function isBodyRewriteDue(input: {
  deltaBytesSinceBody: number;
  lastBodyBytes: number;
  msSinceBody: number;
}): boolean {
  return (
    input.msSinceBody >= BODY_REWRITE_MIN_INTERVAL_MS &&
    input.deltaBytesSinceBody >= Math.max(BODY_REWRITE_MIN_BYTES, input.lastBodyBytes)
  );
}
