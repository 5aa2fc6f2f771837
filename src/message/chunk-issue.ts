/**
 * Turns a zod issue about a chunk into the one-line reason of an `invalid_chunk` error (SPEC R2):
 * `missing field "delta"`, `field "approved" must be boolean, got string`, …
 */
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

/** Describes a JSON value's kind for an error message: `string`, `array`, `null`, … */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** A one-line reason for the first issue zod found in `chunk`. */
export function describeIssue(issue: Issue | undefined, chunk: unknown): string {
  if (issue === undefined) return "chunk does not match its type's schema";
  const path = issue.path.map(String).join(".");
  const field = path === "" ? "chunk" : `field "${path}"`;
  const actual = valueAt(chunk, issue.path);

  switch (issue.code) {
    case "invalid_type":
      if (actual === undefined) return `missing ${field}`;
      return `${field} must be ${expectedKind(issue.expected)}, got ${describeValue(actual)}`;
    case "invalid_value":
      return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(actual) ?? "undefined"}`;
    case "invalid_union":
      return `${field} matches none of the allowed shapes`;
    default:
      return `${field}: ${issue.message}`;
  }
}

function expectedKind(expected: string): string {
  if (expected === "nonoptional") return "present";
  return expected === "never" ? "absent" : expected;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
