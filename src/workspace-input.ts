/**
 * The checks of what a library user passes to the workspace API, made where it enters so that bad
 * input answers ThreadlineError `bad_request` instead of failing in the database (SPEC §3, R2,
 * R30). The HTTP layer checks its bodies first, with the same limits; these cover direct callers.
 */
import { ThreadlineError } from "./errors.js";
import { assertStorable, assertStorableText } from "./message/json-input.js";
import { validateMessageParts } from "./message/validate-message-parts.js";

/** Longest thread or message id, in characters. */
export const MAX_ID_LENGTH = 200;

/**
 * Checks an id a caller chose for a new thread or message: a non-empty string of at most 200
 * characters without a NUL character or an unpaired surrogate (R30: stored as given).
 *
 * @param what - its name in the message (`thread id`, `message id`).
 * @throws ThreadlineError `bad_request` (`thread id must be a non-empty string of at most 200
 *   characters`, `thread id contains a NUL character`).
 * @example
 * ```ts
 * checkId("t-1", "thread id"); // fine
 * ```
 */
export function checkId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new ThreadlineError(
      "bad_request",
      `${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`,
    );
  }
  assertStorableText(what, id);
}

/**
 * Checks the new thread's fields of `threads.create` / `threads.fork` (and an import's thread line):
 * its id when given, a `title` that is a string or null, and `title` and `metadata` storable (R30:
 * no NUL character, nested at most 64 levels).
 *
 * @throws ThreadlineError `bad_request` naming the field (`title contains a NUL character`,
 *   `metadata exceeds the nesting depth limit of 64`).
 * @example
 * ```ts
 * checkThreadInput({ id: "t-1", title: "Weekly sync", metadata: { team: "a" } }); // fine
 * ```
 */
export function checkThreadInput(input: {
  id?: unknown;
  title?: unknown;
  metadata?: unknown;
}): void {
  if (input.id !== undefined) checkId(input.id, "thread id");
  if (input.title !== undefined && input.title !== null && typeof input.title !== "string") {
    throw new ThreadlineError("bad_request", "title must be a string or null");
  }
  assertStorableText("title", input.title);
  assertStorable("metadata", input.metadata);
}

const ROLES: readonly string[] = ["user", "assistant", "system"];

/**
 * The one check of a complete message, whichever way it comes in (`messages.append`/`submit`, the
 * HTTP POST, `importMessage`, an import line): its id, its role, every part as ai 7's
 * `validateUIMessages` would (SPEC R2, {@link validateMessageParts}), and its `metadata` and an
 * imported message's `errorText` storable (R30).
 *
 * @throws ThreadlineError `bad_request`; for a bad part the message names its index and the reason
 *   (`parts[2]: unknown part type "banana"`) and `details.partIndex` holds it; for a bad field it
 *   names the field (`metadata exceeds the nesting depth limit of 64`, `errorText contains a NUL
 *   character`).
 * @example
 * ```ts
 * checkMessageInput({ role: "user", parts: [{ type: "text", text: "Hi" }] }); // fine
 * ```
 */
export function checkMessageInput(input: {
  id?: unknown;
  role: unknown;
  parts: unknown;
  metadata?: unknown;
  errorText?: unknown;
}): void {
  if (input.id !== undefined) checkId(input.id, "message id");
  if (typeof input.role !== "string" || !ROLES.includes(input.role)) {
    throw new ThreadlineError("bad_request", `role must be one of ${ROLES.join(", ")}`);
  }
  validateMessageParts(input.parts);
  assertStorable("metadata", input.metadata);
  assertStorableText("errorText", input.errorText);
}
