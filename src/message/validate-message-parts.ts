/**
 * Validation of the parts of a complete message (SPEC R2, for every way in): a message posted
 * (`messages.append`, `POST /v1/threads/:id/messages`) or imported (`importMessage`,
 * `threadline import`) is held to the rules its streamed chunks are held to.
 *
 * The schemas mirror the part schemas of ai 7's `validateUIMessages`, so a part accepted here is
 * accepted there, and reuse the pieces of the chunk schema (provider metadata, citations, steering
 * parts). They are loose (extra fields pass and are kept), and one small schema is picked per part
 * by its `type` (and a tool part's `state`), so an error names one precise reason.
 *
 * Why not call `ai`'s own `safeValidateUIMessages`: `message/` is the bottom layer that the
 * browser client also imports, and `ai`'s error message serializes the whole input (up to the
 * 64 MiB message limit) — its issue path would still have to be dug out of the zod cause.
 */
import { z } from "zod";
import { ThreadlineError } from "../errors.js";
import { describeIssue, describeValue } from "./chunk-issue.js";
import {
  citation,
  providerMetadata,
  sourceDocumentFields,
  sourceUrlFields,
  steeringPart,
  toolMetadata,
} from "./chunk-schema.js";
import { jsonInputProblem } from "./json-input.js";
import type { UIMessagePart } from "./types.js";

const never = z.optional(z.never());

const approvalRequested = {
  id: z.string(),
  approved: never,
  descriptor: z.optional(z.unknown()),
  requestReason: z.optional(z.string()),
  reason: never,
  isAutomatic: z.optional(z.boolean()),
  signature: z.optional(z.string()),
  inputSchemaInput: z.optional(z.unknown()),
};
const approvalResponded = {
  ...approvalRequested,
  approved: z.boolean(),
  reason: z.optional(z.string()),
};
const approval = {
  requested: z.looseObject(approvalRequested),
  responded: z.looseObject(approvalResponded),
  granted: z.looseObject({ ...approvalResponded, approved: z.literal(true) }),
  denied: z.looseObject({ ...approvalResponded, approved: z.literal(false) }),
};

/** The fields of each part type, without `type` (it selects the entry); ai 7's static parts. */
const PART_SHAPES: Record<string, z.core.$ZodLooseShape> = {
  text: {
    text: z.string(),
    citations: z.optional(z.array(citation)),
    state: z.optional(z.enum(["streaming", "done"])),
    providerMetadata,
  },
  reasoning: {
    id: z.optional(z.string()),
    text: z.string(),
    state: z.optional(z.enum(["streaming", "done"])),
    providerMetadata,
  },
  custom: { kind: z.string(), providerMetadata },
  "source-url": sourceUrlFields,
  "source-document": sourceDocumentFields,
  file: {
    mediaType: z.string(),
    filename: z.optional(z.string()),
    url: z.string(),
    providerReference: z.optional(z.record(z.string(), z.string())),
    providerMetadata,
  },
  "reasoning-file": { mediaType: z.string(), url: z.string(), providerMetadata },
  "steering-message": { id: z.string(), parts: z.array(steeringPart) },
  "step-start": {},
};

const PART_SCHEMAS = new Map<string, z.ZodType>(
  Object.entries(PART_SHAPES).map(([type, shape]) => [type, z.looseObject(shape)]),
);

const DATA_PART_SCHEMA = z.looseObject({ id: z.optional(z.string()), data: z.unknown() });

/** The state-dependent fields of a tool part (`tool-*` or `dynamic-tool`), by `state` (ai 7). */
const TOOL_STATE_SHAPES: Record<string, z.core.$ZodLooseShape> = {
  "input-streaming": {
    input: z.optional(z.unknown()),
    rawInput: z.optional(z.string()),
    inputEncoding: z.optional(z.enum(["json", "text"])),
    output: never,
    errorText: never,
    approval: never,
  },
  "input-available": { input: z.unknown(), output: never, errorText: never, approval: never },
  "approval-requested": {
    input: z.unknown(),
    output: never,
    errorText: never,
    approval: approval.requested,
  },
  "approval-responded": {
    input: z.unknown(),
    output: never,
    errorText: never,
    approval: approval.responded,
  },
  "output-available": {
    input: z.unknown(),
    output: z.unknown(),
    errorText: never,
    resultProviderMetadata: providerMetadata,
    preliminary: z.optional(z.boolean()),
    approval: z.optional(approval.granted),
  },
  "output-error": {
    input: z.optional(z.unknown()),
    rawInput: z.optional(z.unknown()),
    output: never,
    errorText: z.string(),
    resultProviderMetadata: providerMetadata,
    approval: z.optional(approval.granted),
  },
  "output-denied": {
    input: z.unknown(),
    output: never,
    errorText: never,
    approval: approval.denied,
  },
};

/** Every tool part state, in the AI SDK's order (for the error naming the allowed ones). */
const TOOL_STATES = Object.keys(TOOL_STATE_SHAPES);

const toolCallFields = {
  toolCallId: z.string(),
  title: z.optional(z.string()),
  toolMetadata,
  providerExecuted: z.optional(z.boolean()),
  callProviderMetadata: providerMetadata,
};
const dynamicToolFields = {
  ...toolCallFields,
  toolName: z.string(),
  dynamic: z.optional(z.literal(false)),
};

const TOOL_SCHEMAS = new Map<string, z.ZodType>(
  Object.entries(TOOL_STATE_SHAPES).map(([state, shape]) => [
    state,
    z.looseObject({ ...toolCallFields, ...shape }),
  ]),
);
const DYNAMIC_TOOL_SCHEMAS = new Map<string, z.ZodType>(
  Object.entries(TOOL_STATE_SHAPES).map(([state, shape]) => [
    state,
    z.looseObject({ ...dynamicToolFields, ...shape }),
  ]),
);

/**
 * Checks every part of a complete message and returns the same array, typed (nothing is copied or
 * stripped; extra fields are kept).
 *
 * Implements SPEC R2 for complete messages: a part is accepted exactly when ai 7's
 * `validateUIMessages` accepts it (known part types with their fields, any `data-*` type, `tool-*`
 * and `dynamic-tool` parts in one of the seven tool states with that state's fields).
 *
 * @param parts - the message's `parts`, as received.
 * @throws ThreadlineError `bad_request` (400) when `parts` is not an array, or for the first bad
 *   part, naming its index and the reason (`parts[2]: unknown part type "banana"`; R30: `parts[0]:
 *   exceeds the nesting depth limit of 64`, `…contains a NUL character`); `details` is
 *   `{ partIndex, partType?, reason }`.
 * @example
 * ```ts
 * validateMessageParts([{ type: "text", text: "Hi" }, { type: "step-start" }]); // the same array
 * validateMessageParts([{ type: "text", text: "Hi" }, { type: "file", url: "https://x/a.png" }]);
 * // throws bad_request: 'parts[1]: missing field "mediaType"'
 * ```
 */
export function validateMessageParts(parts: unknown): UIMessagePart[] {
  if (!Array.isArray(parts)) {
    throw new ThreadlineError(
      "bad_request",
      `parts must be an array, got ${describeValue(parts)}`,
      {
        details: { reason: "parts must be an array" },
      },
    );
  }
  parts.forEach(validatePart);
  return parts as UIMessagePart[];
}

function validatePart(part: unknown, index: number): void {
  if (typeof part !== "object" || part === null || Array.isArray(part)) {
    throw badPart(index, undefined, `part must be an object, got ${describeValue(part)}`);
  }
  const { type, state } = part as { type?: unknown; state?: unknown };
  if (typeof type !== "string") {
    const reason =
      type === undefined
        ? 'missing field "type"'
        : `field "type" must be a string, got ${describeValue(type)}`;
    throw badPart(index, undefined, reason);
  }
  // What the database would refuse is refused here, naming the part (R30).
  const problem = jsonInputProblem(part);
  if (problem !== undefined) throw badPart(index, type, problem);
  const schema = schemaOf(type, state, index);
  const result = schema.safeParse(part);
  if (!result.success) throw badPart(index, type, describeIssue(result.error.issues[0], part));
}

/** The schema of a part of `type` (and `state`, for a tool part). @throws for an unknown one. */
function schemaOf(type: string, state: unknown, index: number): z.ZodType {
  const tools = type.startsWith("tool-")
    ? TOOL_SCHEMAS
    : type === "dynamic-tool"
      ? DYNAMIC_TOOL_SCHEMAS
      : undefined;
  if (tools === undefined) {
    const schema = PART_SCHEMAS.get(type) ?? (type.startsWith("data-") ? DATA_PART_SCHEMA : null);
    if (schema === null) throw badPart(index, type, `unknown part type "${type}"`);
    return schema;
  }
  const schema = typeof state === "string" ? tools.get(state) : undefined;
  if (schema === undefined) {
    const allowed = TOOL_STATES.map((s) => JSON.stringify(s)).join(", ");
    const got = state === undefined ? "" : `, got ${JSON.stringify(state) ?? describeValue(state)}`;
    const reason =
      state === undefined
        ? 'missing field "state"'
        : `field "state" must be one of ${allowed}${got}`;
    throw badPart(index, type, reason);
  }
  return schema;
}

function badPart(index: number, type: string | undefined, reason: string): ThreadlineError {
  return new ThreadlineError("bad_request", `parts[${index}]: ${reason}`, {
    details: { partIndex: index, ...(type === undefined ? {} : { partType: type }), reason },
  });
}
