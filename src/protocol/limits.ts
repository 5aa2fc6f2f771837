/**
 * Size limits of streamed messages and request bodies, defined once and imported by every layer
 * that checks them: the writer (library users), the HTTP app and the CLI (STYLE habit 18). Going
 * over one answers 413 `too_large` (SPEC §3); a streamed message over a limit ends `error`, keeping
 * every chunk accepted before (R2).
 */
import { ThreadlineError } from "../errors.js";

/** Default largest single UI message stream chunk, in bytes: 4 MiB (a large tool output fits). */
export const DEFAULT_MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Default largest message, in bytes: 64 MiB. For a streaming message, the accumulated size of its
 * accepted chunks; for a complete message posted over HTTP, its JSON body.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Default largest JSON request body of the HTTP routes other than messages, in bytes: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Deepest nesting of JSON input, in levels of objects and arrays: 64 (R30). Checked where input
 * enters (chunks, parts, metadata), because deeper values overflow the stack of the shared writer
 * tick when serialized (`JSON.stringify` RangeError at a few thousand levels), failing every
 * commit; AI SDK payloads nest a handful of levels.
 */
export const MAX_JSON_DEPTH = 64;

/** The size limits every writer enforces (`createThreadline({ limits })`). */
export interface MessageLimits {
  /** Largest single chunk in bytes (its JSON, UTF-8; default {@link DEFAULT_MAX_CHUNK_BYTES}). */
  maxChunkBytes: number;
  /**
   * Largest streaming message in bytes: the accumulated size of its accepted chunks (default
   * {@link DEFAULT_MAX_MESSAGE_BYTES}). Terminal chunks are not counted, so a message can always
   * end.
   */
  maxMessageBytes: number;
}

/** The default {@link MessageLimits}. */
export const DEFAULT_MESSAGE_LIMITS: Readonly<MessageLimits> = {
  maxChunkBytes: DEFAULT_MAX_CHUNK_BYTES,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
};

/**
 * Fills in defaults and checks the `limits` option group (STYLE habit 18: one resolver naming the
 * bad field).
 *
 * @param limits - the option group as given; absent fields take `defaults`.
 * @param defaults - the values of absent fields (default {@link DEFAULT_MESSAGE_LIMITS}).
 * @throws ThreadlineError `bad_request` naming the field (`limits.maxChunkBytes must be …`) when a
 *   limit is not a positive integer, or when `limits` is not an object.
 * @example
 * ```ts
 * resolveMessageLimits({ maxChunkBytes: 8 * 1024 * 1024 });
 * // { maxChunkBytes: 8388608, maxMessageBytes: 67108864 }
 * ```
 */
export function resolveMessageLimits(
  limits: Partial<MessageLimits> | undefined,
  defaults: Readonly<MessageLimits> = DEFAULT_MESSAGE_LIMITS,
): MessageLimits {
  checkLimitGroup(limits);
  return {
    maxChunkBytes: limitOption("maxChunkBytes", limits?.maxChunkBytes, defaults.maxChunkBytes),
    maxMessageBytes: limitOption(
      "maxMessageBytes",
      limits?.maxMessageBytes,
      defaults.maxMessageBytes,
    ),
  };
}

/**
 * One limit of a `limits` option group: `value`, or `fallback` when absent.
 * @throws ThreadlineError `bad_request` naming `limits.<name>` when `value` is not a positive
 *   integer; `details: { field }`.
 */
export function limitOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ThreadlineError(
      "bad_request",
      `limits.${name} must be a positive integer number of bytes, got ${JSON.stringify(value) ?? String(value)}`,
      { details: { field: `limits.${name}` } },
    );
  }
  return value;
}

/**
 * Checks that a `limits` option group is an object (or absent).
 * @throws ThreadlineError `bad_request` otherwise.
 */
export function checkLimitGroup(limits: unknown): void {
  if (limits !== undefined && (typeof limits !== "object" || limits === null)) {
    throw new ThreadlineError("bad_request", "limits must be an object", {
      details: { field: "limits" },
    });
  }
}

/**
 * The 413 `too_large` of one chunk over `maxChunkBytes` (SPEC §3), naming the chunk as R2 does.
 * @example
 * ```ts
 * chunkTooLarge(5, 4_194_304).message; // "chunk 5 exceeds the chunk size limit of 4194304 bytes"
 * ```
 */
export function chunkTooLarge(chunkIndex: number, maxChunkBytes: number): ThreadlineError {
  return new ThreadlineError(
    "too_large",
    `chunk ${chunkIndex} exceeds the chunk size limit of ${maxChunkBytes} bytes`,
    { details: { chunkIndex, limitBytes: maxChunkBytes } },
  );
}

/**
 * The 413 `too_large` of the chunk that takes a streaming message past `maxMessageBytes`
 * (SPEC §3), naming the chunk as R2 does.
 * @example
 * ```ts
 * messageTooLarge(9, 1_000).message; // "chunk 9 exceeds the message size limit of 1000 bytes"
 * ```
 */
export function messageTooLarge(chunkIndex: number, maxMessageBytes: number): ThreadlineError {
  return new ThreadlineError(
    "too_large",
    `chunk ${chunkIndex} exceeds the message size limit of ${maxMessageBytes} bytes`,
    { details: { chunkIndex, limitBytes: maxMessageBytes } },
  );
}
