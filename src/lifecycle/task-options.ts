import { ThreadlineError } from "../errors.js";

/** `value` without its `undefined` fields, so spreading it over defaults keeps the defaults. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Checks an integer option of a background task (STYLE habit 18: one resolver names the bad field).
 * @throws ThreadlineError `bad_request` naming `name` when `value` is not a safe integer `>= min`.
 */
export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ThreadlineError(
      "bad_request",
      `${name} must be an integer of at least ${min}, got ${String(value)}`,
    );
  }
}
