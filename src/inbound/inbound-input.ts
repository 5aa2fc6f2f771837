import { ThreadlineError } from "../errors.js";
import { assertStorable, assertStorableText } from "../message/json-input.js";
import type { RunOptions } from "../protocol/runs.js";

/** Longest idempotency key (R21), as for ids. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Largest run options object, serialized (R22). */
export const MAX_RUN_OPTIONS_BYTES = 16 * 1024;

/**
 * Checks an idempotency key (R21): a non-empty string of at most 200 characters, without a NUL
 * character (R30: PostgreSQL refuses it) or an unpaired surrogate (stored altered).
 * @throws ThreadlineError `bad_request` (`idempotency key contains a NUL character`).
 */
export function checkIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new ThreadlineError(
      "bad_request",
      `an idempotency key must be a non-empty string of at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`,
    );
  }
  assertStorableText("idempotency key", key);
}

/**
 * Splits a message's run options (R22) into the sticky `forceFresh` flag and the other options.
 * No options, or none besides `forceFresh`, give `options: null`: the window keeps the options an
 * earlier message gave.
 *
 * @throws ThreadlineError `bad_request` when `run` is not a JSON object, `forceFresh` is not a
 *   boolean, the options hold a NUL character or nest past 64 levels (R30: `run options contains a
 *   NUL character`), or they exceed 16 KiB serialized.
 */
export function splitRunOptions(run: RunOptions | undefined): {
  forceFresh: boolean;
  options: Record<string, unknown> | null;
} {
  if (run === undefined) return { forceFresh: false, options: null };
  if (typeof run !== "object" || run === null || Array.isArray(run)) {
    throw new ThreadlineError("bad_request", "run options must be a JSON object");
  }
  const { forceFresh, ...options } = run;
  if (forceFresh !== undefined && typeof forceFresh !== "boolean") {
    throw new ThreadlineError("bad_request", "run.forceFresh must be a boolean");
  }
  assertStorable("run options", options);
  let serialized: string;
  try {
    serialized = JSON.stringify(options);
  } catch (error) {
    throw new ThreadlineError("bad_request", "run options must be JSON", { cause: error });
  }
  if (new TextEncoder().encode(serialized).length > MAX_RUN_OPTIONS_BYTES) {
    throw new ThreadlineError("bad_request", "run options exceed 16 KiB");
  }
  return {
    forceFresh: forceFresh === true,
    options: Object.keys(options).length === 0 ? null : JSON.parse(serialized),
  };
}
