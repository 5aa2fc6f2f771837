/**
 * Every error code Threadline can report, with the HTTP status it maps to.
 *
 * These strings travel on the wire (`{ "error": { "code", "message" } }`, SPEC §3), so server and
 * client share this one table (STYLE habit 7).
 */
export const ERROR_STATUS = {
  /** A request or argument is malformed (SPEC §3: 400). */
  bad_request: 400,
  /** A UI message stream chunk failed validation: not JSON, unknown type, wrong field type (R2). */
  invalid_chunk: 400,
  /** A valid chunk cannot apply to the message, e.g. a delta with no open part (R2). */
  chunk_rejected: 400,
  /** An offset (`after`, `atSeq`) is not a non-negative integer or lies beyond the log head. */
  bad_offset: 400,
  /** Missing or unknown bearer key. */
  unauthorized: 401,
  /** The thread, message or workspace does not exist (or belongs to another workspace). */
  not_found: 404,
  /** The operation conflicts with current state (duplicate id, finished message, in-flight key). */
  conflict: 409,
  /** The message was finalized (by this writer, another node or the sweep) and takes no more chunks. */
  message_finalized: 409,
  /**
   * The log range an operation needs was removed by compaction (R32): a fork at a seq where a
   * message whose deltas were compacted was still streaming. (A resume from a compacted offset is
   * not an error: it is answered with a snapshot.)
   */
  compacted: 410,
  /** A body or chunk exceeds the configured limit. */
  too_large: 413,
  /**
   * The workspace is over one of its limits (R33: concurrent streaming messages, chunks or bytes
   * per second for a complete message, subscribers): retry after `Retry-After` seconds
   * (`details: { limit, max, workspaceId, retryAfterMs }`).
   */
  rate_limited: 429,
  /** The database schema is newer than this code (R27). */
  schema_too_new: 500,
  /** The Threadline instance was closed. */
  closed: 503,
  /**
   * The database has been failing every commit for a while, or an outage buffered too much:
   * retry later (`Retry-After`); what was accepted before is kept (R30).
   */
  unavailable: 503,
  /** An unexpected storage or internal failure. */
  internal: 500,
} as const;

/** A Threadline error code (SPEC §3 error body `code`). */
export type ErrorCode = keyof typeof ERROR_STATUS;
