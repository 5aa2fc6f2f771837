import type { Context } from "hono";
import { ThreadlineError } from "../errors.js";
import { HEADERS, QUERY } from "../protocol/http.js";
import type { Thread } from "../protocol/resources.js";

/**
 * The resume offset of `GET /v1/threads/:id/events` (SPEC §3, R11): the `Last-Event-ID` header or
 * the `?after=N` query parameter, `undefined` when neither is given (start with a snapshot).
 *
 * When both are given, `Last-Event-ID` wins: an `EventSource` reconnects to the URL it was opened
 * with (so a stale `?after` stays in it) and sends the id of the last event it received in the
 * header, which is the newer offset. Both must still be well-formed.
 *
 * @throws ThreadlineError `bad_offset` when a given value is not a non-negative integer.
 */
export function resumeOffset(c: Context): number | undefined {
  const header = c.req.header(HEADERS.lastEventId);
  const query = c.req.query(QUERY.after);
  const fromQuery = query === undefined ? undefined : parseOffset(query, `?${QUERY.after}`);
  const fromHeader = header === undefined ? undefined : parseOffset(header, "Last-Event-ID");
  return fromHeader ?? fromQuery;
}

/**
 * Checks a resume offset against the thread's log head (R11: `after` beyond the head is invalid).
 * @throws ThreadlineError `bad_offset`.
 */
export function checkOffsetInLog(after: number, thread: Thread): void {
  if (after > thread.headSeq) {
    throw new ThreadlineError(
      "bad_offset",
      `offset ${after} is beyond the end of thread ${thread.id}'s log (head seq ${thread.headSeq})`,
      { details: { headSeq: thread.headSeq } },
    );
  }
}

/** Parses a decimal non-negative safe integer, as sent in `Last-Event-ID` or `?after`. */
function parseOffset(text: string, name: string): number {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw new ThreadlineError(
      "bad_offset",
      `${name} must be a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return value;
}
