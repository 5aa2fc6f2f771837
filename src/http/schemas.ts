/**
 * Request validation of the HTTP API (SPEC §3): one zod schema per body or query, and
 * {@link parseInput} turning a failure into a 400 `bad_request` naming the field. Strings refuse
 * NUL characters and metadata refuses JSON nested past `MAX_JSON_DEPTH` (R30), which the database
 * would refuse or the writer could not serialize.
 */
import { z } from "zod";
import { ThreadlineError } from "../errors.js";
import { hasNul, jsonInputProblem, NUL_PROBLEM } from "../message/json-input.js";
import { describeZodError } from "./errors.js";

/** Largest page of `GET /v1/threads` (SPEC §3 `limit` 1–200). */
export const MAX_PAGE_SIZE = 200;

/** A string without NUL characters, which PostgreSQL refuses (R30). */
const text = z.string().refine((value) => !hasNul(value), NUL_PROBLEM);

/** Refuses JSON the database cannot store: past `MAX_JSON_DEPTH` levels, or a NUL (R30). */
function storable(value: unknown, ctx: z.RefinementCtx): void {
  const problem = jsonInputProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
}

/** A thread or message id: 1–200 characters (the library's own bound). */
const id = text.min(1).max(200);
const title = text.max(1_000).nullable();
const threadMetadata = z.record(z.string(), z.unknown()).nullable().superRefine(storable);

/** `POST /v1/threads` `{id?, title?, metadata?}`; unknown fields are refused (typos surface). */
export const createThreadBody = z.strictObject({
  id: id.optional(),
  title: title.optional(),
  metadata: threadMetadata.optional(),
});

/**
 * `POST /v1/threads/:id/fork` `{atSeq?, atMessageId?}` (R19), one of the two at most, plus the new
 * thread's optional `id`, `title` and `metadata`.
 */
export const forkThreadBody = z
  .strictObject({
    atSeq: z.number().int().min(1).optional(),
    atMessageId: id.optional(),
    id: id.optional(),
    title: title.optional(),
    metadata: threadMetadata.optional(),
  })
  .refine((body) => body.atSeq === undefined || body.atMessageId === undefined, {
    message: "give atSeq or atMessageId, not both",
  });

/** `POST /v1/threads/:id/stop` `{messageId?}` (R28); an empty body stops the streaming message. */
export const stopBody = z.strictObject({ messageId: id.optional() });

/**
 * `POST /v1/threads/:id/messages` `{id?, role, parts, metadata?, run?}`: an AI SDK `UIMessage`, plus
 * the options of the run it (re)arms (R22: a JSON object, `forceFresh` a boolean). Extra fields are
 * ignored, so a `UIMessage` from any AI SDK version can be posted as it is. Each part is checked by
 * the library (`validateMessageParts`, the same check for every way in), whose `bad_request` names
 * the part's index.
 */
export const appendMessageBody = z.object({
  id: id.optional(),
  role: z.enum(["user", "assistant", "system"]),
  parts: z.array(z.unknown()),
  metadata: z.unknown().superRefine(storable).optional(),
  run: z.looseObject({ forceFresh: z.boolean().optional() }).superRefine(storable).optional(),
});

const pageSize = z
  .string()
  .regex(/^\d+$/, "must be an integer")
  .transform(Number)
  .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE));

/** `GET /v1/threads?limit&cursor`: `limit` an integer 1–200, `cursor` an opaque non-empty string. */
export const listThreadsQuery = z.object({
  limit: pageSize.optional(),
  cursor: text.min(1).max(1_000).optional(),
});

/**
 * Validates `value` with `schema`.
 * @throws ThreadlineError `bad_request` naming `what` and the first offending field.
 * @example
 * ```ts
 * const body = parseInput(createThreadBody, await readJsonBody(request, max), "request body");
 * ```
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const field = result.error.issues[0]?.path.map(String).join(".");
  throw new ThreadlineError("bad_request", `invalid ${what}: ${describeZodError(result.error)}`, {
    cause: result.error,
    ...(field ? { details: { field } } : {}),
  });
}
