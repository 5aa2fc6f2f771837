import { ThreadlineError } from "../errors.js";

/** `value` without its `undefined` fields, so spreading it over defaults keeps the defaults. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Checks an integer option of a background task (STYLE habit 18: one resolver names the bad field).
 * @throws ThreadlineError `bad_request` naming `name` when `value` is not a safe integer from `min`
 *   to `max` (default: no upper bound).
 */
export function checkInteger(
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new ThreadlineError(
      "bad_request",
      `${name} must be an integer ${range}, got ${String(value)}`,
    );
  }
}

/**
 * The most rows one compaction step or thread deletion batch may take (`batchRows`): their ids go
 * into one `IN (…)` list, which must stay under SQLite's 32 766 bound parameters.
 */
export const MAX_BATCH_ROWS = 10_000;
