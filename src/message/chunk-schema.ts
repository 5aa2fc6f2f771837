/**
 * Validation of UI message stream chunks (SPEC R2).
 *
 * One loose zod object per chunk type (extra fields pass), looked up by `type`, so a chunk is
 * checked against one small schema instead of a 30-way union. The set of types is closed, except
 * that any `data-<name>` type is accepted. A chunk is accepted exactly when the AI SDK's own
 * `uiMessageChunkSchema` (ai 7) accepts it.
 */
import { z } from "zod";
import { ThreadlineError } from "../errors.js";
import { describeIssue, describeValue } from "./chunk-issue.js";
import type { UIMessageChunk } from "./chunk-types.js";
import { hasNul, jsonInputProblem, NUL_PROBLEM } from "./json-input.js";
import type { JSONValue } from "./types.js";

const jsonValue: z.ZodType<JSONValue> = z.lazy(() =>
  z.union([
    z.null(),
    z.string(),
    z.number(),
    z.boolean(),
    z.record(z.string(), z.optional(jsonValue)),
    z.array(jsonValue),
  ]),
);

/** Optional `providerMetadata`: provider name → JSON object (ai 7 `providerMetadataSchema`). */
export const providerMetadata = z.optional(
  z.record(z.string(), z.record(z.string(), z.optional(jsonValue))),
);
/** Optional `toolMetadata`: a JSON object (ai 7). */
export const toolMetadata = z.optional(z.record(z.string(), z.optional(jsonValue)));
const offset = z.optional(z.number().int().nonnegative());

/** A text part's citation (ai 7 `citationSchema`). */
export const citation = z.object({
  source: z.discriminatedUnion("sourceType", [
    z.object({
      type: z.literal("source"),
      sourceType: z.literal("url"),
      id: z.string(),
      url: z.string(),
      title: z.optional(z.string()),
      providerMetadata,
    }),
    z.object({
      type: z.literal("source"),
      sourceType: z.literal("document"),
      id: z.string(),
      mediaType: z.string(),
      title: z.string(),
      filename: z.optional(z.string()),
      providerMetadata,
    }),
  ]),
  startIndex: offset,
  endIndex: offset,
  citedText: z.optional(z.string()),
});

/** A part of a `steering-message`: text or file (ai 7). */
export const steeringPart = z.union([
  z.looseObject({ type: z.literal("text"), text: z.string(), providerMetadata }),
  z.looseObject({
    type: z.literal("file"),
    mediaType: z.string(),
    url: z.string(),
    filename: z.optional(z.string()),
    providerReference: z.optional(z.record(z.string(), z.string())),
    providerMetadata,
  }),
]);

const toolCallFields = {
  toolCallId: z.string(),
  providerExecuted: z.optional(z.boolean()),
  providerMetadata,
  toolMetadata,
  dynamic: z.optional(z.boolean()),
};

const partId = { id: z.string(), providerMetadata };
const delta = { id: z.string(), delta: z.string(), providerMetadata };
const media = { url: z.string(), mediaType: z.string(), providerMetadata };
const finishReason = z.enum([
  "stop",
  "length",
  "content-filter",
  "tool-calls",
  "error",
  "interrupted",
  "other",
]);

/** The fields of each chunk type, without `type` (it selects the entry). */
/** Fields of a `source-url` chunk and part (the AI SDK gives both the same shape). */
export const sourceUrlFields = {
  sourceId: z.string(),
  url: z.string(),
  title: z.optional(z.string()),
  providerMetadata,
};

/** Fields of a `source-document` chunk and part. */
export const sourceDocumentFields = {
  sourceId: z.string(),
  mediaType: z.string(),
  title: z.string(),
  filename: z.optional(z.string()),
  providerMetadata,
};

const CHUNK_SHAPES: Record<string, z.core.$ZodLooseShape> = {
  start: { messageId: z.optional(z.string()), messageMetadata: z.optional(z.unknown()) },
  finish: { finishReason: z.optional(finishReason), messageMetadata: z.optional(z.unknown()) },
  "message-metadata": { messageMetadata: z.unknown() },
  abort: { reason: z.optional(z.string()) },
  error: { errorText: z.string() },
  "start-step": {},
  "finish-step": {},
  "reset-step": {},
  "text-start": partId,
  "text-delta": delta,
  "text-end": { ...partId, citations: z.optional(z.array(citation)) },
  "reasoning-start": partId,
  "reasoning-delta": delta,
  "reasoning-end": partId,
  "tool-input-start": {
    ...toolCallFields,
    toolName: z.string(),
    inputEncoding: z.optional(z.enum(["json", "text"])),
    title: z.optional(z.string()),
  },
  "tool-input-delta": { toolCallId: z.string(), inputTextDelta: z.string() },
  "tool-input-available": {
    ...toolCallFields,
    toolName: z.string(),
    input: z.unknown(),
    title: z.optional(z.string()),
  },
  "tool-input-error": {
    ...toolCallFields,
    toolName: z.string(),
    input: z.unknown(),
    errorText: z.string(),
    title: z.optional(z.string()),
  },
  "tool-approval-request": {
    approvalId: z.string(),
    toolCallId: z.string(),
    approvalDescriptor: z.optional(z.unknown()),
    inputSchemaInput: z.optional(z.unknown()),
    reason: z.optional(z.string()),
    isAutomatic: z.optional(z.boolean()),
    signature: z.optional(z.string()),
  },
  "tool-approval-response": {
    approvalId: z.string(),
    approved: z.boolean(),
    reason: z.optional(z.string()),
    providerExecuted: z.optional(z.boolean()),
    providerMetadata,
  },
  "tool-output-available": {
    ...toolCallFields,
    output: z.unknown(),
    preliminary: z.optional(z.boolean()),
  },
  "tool-output-error": { ...toolCallFields, errorText: z.string() },
  "tool-output-denied": { toolCallId: z.string() },
  "source-url": sourceUrlFields,
  "source-document": sourceDocumentFields,
  file: media,
  "reasoning-file": media,
  custom: { kind: z.string(), providerMetadata },
  "steering-message": { id: z.string(), parts: z.array(steeringPart) },
};

const CHUNK_SCHEMAS = new Map<string, z.ZodType>(
  Object.entries(CHUNK_SHAPES).map(([type, shape]) => [type, z.looseObject(shape)]),
);

const DATA_CHUNK_SCHEMA = z.looseObject({
  id: z.optional(z.string()),
  data: z.unknown(),
  transient: z.optional(z.boolean()),
});

/** The chunk types whose plain form (no `providerMetadata`) is checked without zod. */
const DELTA_FIELDS = new Map<string, readonly [string, string]>([
  ["text-delta", ["id", "delta"]],
  ["reasoning-delta", ["id", "delta"]],
  ["tool-input-delta", ["toolCallId", "inputTextDelta"]],
]);

/**
 * Validates one decoded chunk and returns it typed (the same object; nothing is copied or
 * stripped).
 *
 * Implements SPEC R2: accepts exactly the chunks ai 7's `uiMessageChunkSchema` accepts (loose
 * objects, closed set of types, any `data-*` type).
 *
 * @param value - the decoded JSON of one chunk.
 * @param index - the chunk's position in its stream, used in the error.
 * @throws ThreadlineError `invalid_chunk` when `value` is not an object, has no string `type`, has
 *   an unknown type, misses a required field or has a field of the wrong type, or (R30) nests
 *   deeper than `MAX_JSON_DEPTH` (`…exceeds the nesting depth limit of 64`) or holds a NUL
 *   character (`…contains a NUL character`). `details` is `{ chunkIndex, chunkType?, reason }`.
 * @example
 * ```ts
 * const chunk = parseChunk({ type: "text-delta", id: "0", delta: "Hi" }, 3);
 * parseChunk({ type: "text-delta", id: "0" }, 4);
 * // throws invalid_chunk: 'Invalid chunk at index 4 (type "text-delta"): missing field "delta"'
 * ```
 */
export function parseChunk(value: unknown, index: number): UIMessageChunk {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidChunk(index, undefined, `chunk must be an object, got ${describeValue(value)}`);
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") {
    const reason =
      type === undefined
        ? 'missing field "type"'
        : `field "type" must be a string, got ${describeValue(type)}`;
    throw invalidChunk(index, undefined, reason);
  }
  const chunk = value as Record<string, unknown>;
  if (isPlainDelta(type, chunk)) {
    const fields = DELTA_FIELDS.get(type) ?? [];
    if (fields.some((field) => hasNul(chunk[field] as string))) {
      throw invalidChunk(index, type, NUL_PROBLEM);
    }
    return value as UIMessageChunk;
  }
  // Before the schema: what the database would refuse is refused here, naming the chunk (R30).
  const problem = jsonInputProblem(value);
  if (problem !== undefined) throw invalidChunk(index, type, problem);

  const schema = CHUNK_SCHEMAS.get(type) ?? (type.startsWith("data-") ? DATA_CHUNK_SCHEMA : null);
  if (schema === null) throw invalidChunk(index, type, `unknown chunk type "${type}"`);

  const result = schema.safeParse(value);
  if (!result.success) {
    throw invalidChunk(index, type, describeIssue(result.error.issues[0], value));
  }
  return value as UIMessageChunk;
}

/**
 * JSON-parses one chunk (an SSE `data:` payload or an NDJSON line) and validates it with
 * {@link parseChunk} (SPEC R2).
 *
 * @param text - the JSON text of one chunk.
 * @param index - the chunk's position in its stream, used in the error.
 * @throws ThreadlineError `invalid_chunk` for malformed JSON (reason `malformed JSON: …`, the
 *   `SyntaxError` as `cause`) and for everything {@link parseChunk} rejects.
 * @example
 * ```ts
 * parseChunkJson('{"type":"start-step"}', 0); // { type: "start-step" }
 * ```
 */
export function parseChunkJson(text: string, index: number): UIMessageChunk {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw invalidChunk(index, undefined, `malformed JSON: ${detail}`, error);
  }
  return parseChunk(value, index);
}

function isPlainDelta(type: string, chunk: Record<string, unknown>): boolean {
  const fields = DELTA_FIELDS.get(type);
  return (
    fields !== undefined &&
    typeof chunk[fields[0]] === "string" &&
    typeof chunk[fields[1]] === "string" &&
    chunk.providerMetadata === undefined
  );
}

function invalidChunk(
  index: number,
  type: string | undefined,
  reason: string,
  cause?: unknown,
): ThreadlineError {
  const where = type === undefined ? `index ${index}` : `index ${index} (type "${type}")`;
  return new ThreadlineError("invalid_chunk", `Invalid chunk at ${where}: ${reason}`, {
    cause,
    details: { chunkIndex: index, ...(type === undefined ? {} : { chunkType: type }), reason },
  });
}
