import { ThreadlineError } from "../errors.js";
import {
  checkLimitGroup,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MESSAGE_LIMITS,
  limitOption,
  type MessageLimits,
  resolveMessageLimits,
} from "../protocol/limits.js";

/**
 * Size limits of the HTTP API (SPEC §3: 413 `too_large`), in bytes:
 *
 * - `POST /v1/threads/:id/messages/stream` has no whole-body limit: each chunk is held to
 *   `maxChunkBytes` while it is parsed, and the chunks of the message together to
 *   `maxMessageBytes`;
 * - `POST /v1/threads/:id/messages` (a complete message) takes a JSON body up to `maxMessageBytes`;
 * - every other route a JSON body up to `maxBodyBytes`.
 */
export interface HttpLimits extends MessageLimits {
  /** Largest JSON body of the routes other than messages (default 1 MiB). */
  maxBodyBytes: number;
}

/** The default {@link HttpLimits}: 1 MiB bodies, 4 MiB chunks, 64 MiB messages. */
export const DEFAULT_LIMITS: Readonly<HttpLimits> = {
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  ...DEFAULT_MESSAGE_LIMITS,
};

/**
 * Fills in defaults and checks the limits (SPEC §3 413 `too_large`).
 *
 * @param limits - as given to `createApp`.
 * @param messageDefaults - the chunk and message limits of absent fields: the Threadline's own.
 * @throws ThreadlineError `bad_request` naming the field when a limit is not a positive integer.
 */
export function resolveLimits(
  limits: Partial<HttpLimits> = {},
  messageDefaults: Readonly<MessageLimits> = DEFAULT_MESSAGE_LIMITS,
): HttpLimits {
  checkLimitGroup(limits);
  return {
    maxBodyBytes: limitOption("maxBodyBytes", limits.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    ...resolveMessageLimits(limits, messageDefaults),
  };
}

/** The 413 `too_large` of a body over `maxBodyBytes` (SPEC §3). */
export function bodyTooLarge(maxBodyBytes: number): ThreadlineError {
  return new ThreadlineError("too_large", `the request body exceeds ${maxBodyBytes} bytes`, {
    details: { limitBytes: maxBodyBytes },
  });
}
