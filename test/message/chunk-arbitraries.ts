/**
 * fast-check generators of UI message chunk sequences for the fold properties (SPEC R1, R2).
 *
 * A sequence is generated as a list of random "intents" that a small model of the message turns
 * into chunks that ai 7 accepts: deltas and ends only name open part ids, tool results only name
 * tool calls the message has, approval responses only name requested approvals. The model mirrors
 * just enough of ai's rules (steps, reset-step, message resets on a new `start.messageId`, static
 * vs dynamic tool lookup in the current step) to keep every chunk valid. A delta or end with
 * nothing open becomes a start instead; other intents that cannot apply are dropped.
 */
import fc from "fast-check";
import type { JSONValue, UIMessageChunk } from "../../src/message/index.js";
import {
  bit,
  FINISH_REASONS,
  MESSAGE_IDS,
  Model,
  metadataOf,
  OTHER,
  PART_IDS,
  PM,
  pickFrom,
  STEP,
} from "./sequence-model.js";
import { toolOrContentChunk } from "./tool-chunk-intents.js";

/** Chunk kinds with their relative frequency. */
const WEIGHTS = {
  start: 1,
  finish: 1,
  "message-metadata": 2,
  "start-step": 2,
  "finish-step": 2,
  "reset-step": 1,
  "text-start": 3,
  "text-delta": 10,
  "text-end": 3,
  "reasoning-start": 2,
  "reasoning-delta": 6,
  "reasoning-end": 2,
  "tool-input-start": 3,
  "tool-input-delta": 10,
  "tool-input-available": 2,
  "tool-input-error": 1,
  "tool-approval-request": 2,
  "tool-approval-response": 2,
  "tool-output-available": 2,
  "tool-output-error": 1,
  "tool-output-denied": 1,
  "source-url": 1,
  "source-document": 1,
  file: 1,
  "reasoning-file": 1,
  custom: 1,
  "steering-message": 1,
  data: 3,
  error: 1,
  abort: 1,
} as const;

const OPS = Object.entries(WEIGHTS).flatMap(([op, weight]) =>
  Array.from({ length: weight }, () => op as keyof typeof WEIGHTS),
);

/** One random intent; `interpret` turns a list of them into valid chunks. */
export interface Intent {
  op: keyof typeof WEIGHTS;
  pick: number;
  flags: number;
  text: string;
  value: JSONValue;
  cuts: number[];
}

/** Strings that look like (broken) JSON, to exercise the partial-JSON repair. */
const jsonish = fc
  .array(fc.constantFrom(...'{}[]",:0123456789.-eEtrufalsn \\uAb'.split("")), { maxLength: 24 })
  .map((chars) => chars.join(""));

const small = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("0", "é", "😀", "\n", ""));
const jsonValue: fc.Arbitrary<JSONValue> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JSONValue>;

const intent: fc.Arbitrary<Intent> = fc.record({
  op: fc.constantFrom(...OPS),
  pick: fc.nat(99),
  flags: fc.nat(255),
  text: fc.oneof(small, jsonish),
  value: jsonValue,
  cuts: fc.array(fc.nat(60), { maxLength: 5 }),
});

/** Turns intents into a chunk sequence ai 7 accepts completely. */
export function interpret(
  intents: readonly Intent[],
  continuing?: { messageId: string; firstId: number },
): UIMessageChunk[] {
  const model = new Model();
  if (continuing) {
    model.messageId = continuing.messageId;
    model.next = continuing.firstId;
  }
  const chunks: UIMessageChunk[] = [];
  for (const step of intents) {
    const chunk = chunkFor(model, step);
    if (chunk) chunks.push(chunk);
  }
  return chunks;
}

/** With nothing open to continue, a delta or end intent opens a part instead. */
function startOf(op: string): "text-start" | "reasoning-start" {
  return op.startsWith("text") ? "text-start" : "reasoning-start";
}

function chunkFor(model: Model, intent: Intent): UIMessageChunk | undefined {
  const { op, pick, flags, text, value, cuts } = intent;
  const pm = bit(flags, 7) ? { providerMetadata: PM } : {};
  switch (op) {
    case "start": {
      const messageId = pickFrom([undefined, model.messageId, ...MESSAGE_IDS], pick);
      if (messageId !== undefined && messageId !== model.messageId) {
        model.reset();
        model.parts = [];
        model.messageId = messageId;
      }
      const metadata = bit(flags, 0) ? metadataOf(value) : undefined;
      return {
        type: "start",
        ...(messageId === undefined ? {} : { messageId }),
        ...(metadata === undefined ? {} : { messageMetadata: metadata }),
      };
    }
    case "finish": {
      const metadata = bit(flags, 0) ? metadataOf(value) : undefined;
      const finishReason = bit(flags, 1) ? pickFrom(FINISH_REASONS, pick) : undefined;
      return {
        type: "finish",
        ...(finishReason ? { finishReason } : {}),
        ...(metadata === undefined ? {} : { messageMetadata: metadata }),
      } as UIMessageChunk;
    }
    case "message-metadata":
      return { type: "message-metadata", messageMetadata: metadataOf(value) ?? null };
    case "start-step":
      model.parts.push(STEP);
      return { type: "start-step" };
    case "finish-step":
      return { type: "finish-step" };
    case "reset-step":
      model.reset();
      model.parts.length = model.stepStart();
      return { type: "reset-step" };
    case "text-start":
    case "reasoning-start": {
      const id = PART_IDS[pick % PART_IDS.length] as string;
      const open = op === "text-start" ? model.text : model.reasoning;
      if (!open.includes(id)) open.push(id);
      model.parts.push(OTHER);
      return { type: op, id, ...pm };
    }
    case "text-delta":
    case "reasoning-delta": {
      const id = pickFrom(op === "text-delta" ? model.text : model.reasoning, pick);
      if (id === undefined) return chunkFor(model, { ...intent, op: startOf(op) });
      return { type: op, id, delta: text, ...pm };
    }
    case "text-end":
    case "reasoning-end": {
      const open = op === "text-end" ? model.text : model.reasoning;
      const id = pickFrom(open, pick);
      if (id === undefined) return chunkFor(model, { ...intent, op: startOf(op) });
      open.splice(open.indexOf(id), 1);
      const citations =
        op === "text-end" && bit(flags, 2)
          ? {
              citations: [
                {
                  source: { type: "source", sourceType: "url", id: "s1", url: "https://x.test" },
                  startIndex: 0,
                  citedText: text,
                },
              ],
            }
          : {};
      return { type: op, id, ...citations, ...pm } as UIMessageChunk;
    }
    default:
      return toolOrContentChunk(model, { op, pick, flags, text, value, cuts }, pm);
  }
}

export const validChunks = (maxLength = 50): fc.Arbitrary<UIMessageChunk[]> =>
  fc.array(intent, { maxLength, size: "max" }).map((intents) => interpret(intents));

/**
 * Chunks that continue a message with id `messageId` (as `readUIMessageStream({ message })` does):
 * the same generator, with ids that cannot collide with the first part's.
 */
export const continuingChunks = (
  messageId: string,
  maxLength = 30,
): fc.Arbitrary<UIMessageChunk[]> =>
  fc
    .array(intent, { maxLength, size: "max" })
    .map((intents) => interpret(intents, { messageId, firstId: 10_000 }));

/** A chunk that cannot apply to any message built from {@link validChunks} (ids never generated). */
export const rejectedChunk: fc.Arbitrary<UIMessageChunk> = fc.constantFrom<UIMessageChunk>(
  { type: "text-delta", id: "missing", delta: "x" },
  { type: "text-end", id: "missing" },
  { type: "reasoning-delta", id: "missing", delta: "x" },
  { type: "reasoning-end", id: "missing" },
  { type: "tool-input-delta", toolCallId: "missing-call", inputTextDelta: "{" },
  { type: "tool-output-available", toolCallId: "missing-call", output: 1 },
  { type: "tool-output-error", toolCallId: "missing-call", errorText: "e" },
  { type: "tool-output-denied", toolCallId: "missing-call" },
  { type: "tool-approval-request", toolCallId: "missing-call", approvalId: "a" },
  { type: "tool-approval-response", approvalId: "missing-approval", approved: true },
);
