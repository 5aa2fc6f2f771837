import { ThreadlineError } from "../errors.js";
import { MAX_JSON_DEPTH } from "../protocol/limits.js";

/**
 * Why a JSON value cannot be stored (R30), as the end of an error message, or `undefined` when it
 * can: nested deeper than `maxDepth` levels of objects and arrays (`exceeds the nesting depth limit
 * of 64`), or a string or key holding a NUL character (`contains a NUL character`, which PostgreSQL
 * refuses in text and JSON). The walk is iterative, so no depth can overflow the stack; it visits
 * each value once and stops at the first problem.
 *
 * @param value - decoded JSON (anything else, e.g. a function, is walked as far as it is JSON-like).
 * @param maxDepth - deepest allowed nesting (default {@link MAX_JSON_DEPTH}); a scalar is level 0.
 * @example
 * ```ts
 * jsonInputProblem({ a: [1, "x"] }); // undefined
 * jsonInputProblem({ a: "x\u0000" }); // "contains a NUL character"
 * ```
 */
export function jsonInputProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (typeof current === "string") {
      if (hasNul(current)) return NUL_PROBLEM;
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    const depth = item.depth + 1;
    if (depth > maxDepth) return `exceeds the nesting depth limit of ${maxDepth}`;
    if (Array.isArray(current)) {
      for (const element of current) stack.push({ value: element, depth });
      continue;
    }
    for (const [key, element] of Object.entries(current)) {
      if (hasNul(key)) return NUL_PROBLEM;
      stack.push({ value: element, depth });
    }
  }
  return undefined;
}

/** True when `text` holds a NUL character (U+0000), which PostgreSQL refuses in text (R30). */
export function hasNul(text: string): boolean {
  return text.includes("\u0000");
}

/** The reason of a value refused for a NUL character (R30). */
export const NUL_PROBLEM = "contains a NUL character";

/** A UTF-16 surrogate that is not half of a pair (a paired one is one code point under `u`). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * True when `text` holds an unpaired UTF-16 surrogate (`"\ud800"`, which JSON may carry): a UTF-8
 * text column cannot hold one, so SQLite and PostgreSQL would keep replacement characters instead
 * and the stored id or title would differ from the one accepted (R30).
 */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** The reason of a text value refused for an unpaired surrogate (R30). */
export const LONE_SURROGATE_PROBLEM = "contains an unpaired UTF-16 surrogate (not Unicode text)";

/**
 * Refuses, where it enters the library, a value the database would refuse (R30): JSON nested
 * deeper than {@link MAX_JSON_DEPTH} levels (which `JSON.stringify` could not serialize inside the
 * store's transaction), or a NUL character in a string or key (which PostgreSQL refuses in text and
 * JSON). `undefined`, `null`, numbers and other scalars pass; a string is checked for a NUL.
 *
 * @param field - the value's name as the caller knows it (`metadata`, `title`, `thread id`),
 *   which starts the error message.
 * @param value - the argument, as received.
 * @throws ThreadlineError `bad_request` (400) `<field> exceeds the nesting depth limit of 64` or
 *   `<field> contains a NUL character`, with `details: { field, reason }`.
 * @example
 * ```ts
 * assertStorable("title", "Weekly sync"); // fine
 * assertStorable("title", "a\u0000b"); // throws bad_request "title contains a NUL character"
 * ```
 */
export function assertStorable(field: string, value: unknown): void {
  const reason = jsonInputProblem(value);
  if (reason === undefined) return;
  throw new ThreadlineError("bad_request", `${field} ${reason}`, { details: { field, reason } });
}

/**
 * {@link assertStorable} for a string kept in a text column (an id, a title, an idempotency key,
 * an error text): also refuses an unpaired surrogate, which the column would store altered (R30).
 * JSON values (parts, metadata) need no such check: they are serialized with `\uXXXX` escapes.
 * Anything but a string passes (the caller checks types).
 *
 * @throws ThreadlineError `bad_request` (400) `<field> contains a NUL character` or `<field>
 *   contains an unpaired UTF-16 surrogate (not Unicode text)`, with `details: { field, reason }`.
 * @example
 * ```ts
 * assertStorableText("title", "Weekly sync"); // fine
 * assertStorableText("title", "a\ud800"); // throws bad_request
 * ```
 */
export function assertStorableText(field: string, value: unknown): void {
  if (typeof value !== "string") return;
  const reason = hasNul(value)
    ? NUL_PROBLEM
    : hasLoneSurrogate(value)
      ? LONE_SURROGATE_PROBLEM
      : undefined;
  if (reason === undefined) return;
  throw new ThreadlineError("bad_request", `${field} ${reason}`, { details: { field, reason } });
}
