/**
 * Message metadata merging, as `ai` does it for `start`, `finish` and `message-metadata` chunks
 * (its `mergeObjects`, ai 5–7; SPEC R1).
 */

/**
 * Deep-merges `overrides` into `base` without touching either: nested plain objects merge key by
 * key, anything else (arrays, strings, numbers, `null`) in `overrides` replaces what `base` has,
 * `undefined` members of `overrides` are skipped and the keys `__proto__`, `constructor` and
 * `prototype` are ignored.
 *
 * Like `ai`, it uses `{...base}`, `for…in` and `in`, with the same results for odd inputs: a string
 * `overrides` merges its characters by index, and a primitive `base` with a non-empty `overrides`
 * throws a `TypeError` (the fold reports it as `chunk_rejected`).
 */
export function mergeMetadata(base: unknown, overrides: unknown): unknown {
  if (base === undefined) return overrides;
  if (overrides === undefined) return base;

  const merged: Record<string, unknown> = { ...(base as object) };
  const source = overrides as Record<string, unknown>;
  for (const key in source) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    if (!Object.hasOwn(source, key)) continue;
    const value = source[key];
    if (value === undefined) continue;
    // `in` (not hasOwn) on purpose: inherited members count, as in ai; on a primitive it throws.
    const current = key in (base as object) ? (base as Record<string, unknown>)[key] : undefined;
    merged[key] =
      isMergeable(value) && isMergeable(current) ? mergeMetadata(current, value) : value;
  }
  return merged;
}

function isMergeable(value: unknown): value is object {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp)
  );
}
