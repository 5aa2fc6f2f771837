/**
 * fast-check generators of UI message chunk sequences for the fold properties (SPEC R1, R2).
 *
 * A sequence is generated as a list of random "intents" that a small model of the message turns
 * into chunks that ai 7 accepts: deltas and ends only name open part ids, tool results only name
 * tool calls the message has, approval responses only name requested approvals. The model mirrors
 * just enough of ai's rules (steps, reset-step, message resets on a new `start.messageId`, static
 * vs dynamic tool lookup in the current step) to keep every chunk valid; intents that cannot apply
 * are dropped, which keeps shrinking effective.
 */
import fc from "fast-check";
import type { JSONValue, UIMessageChunk } from "../../src/message/index.js";

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

type ModelPart = { tool: false } | { tool: true; id: string; dynamic: boolean; approval?: string };

interface PartialCall {
  pieces: string[];
  dynamic: boolean;
}

const PART_IDS = ["0", "1", "t"];
const MESSAGE_IDS = ["m1", "m2"];
const FINISH_REASONS = ["stop", "length", "content-filter", "tool-calls", "error", "other"];
const PM = { test: { note: "pm", n: 1 } };

class Model {
  messageId = "";
  text: string[] = [];
  reasoning: string[] = [];
  calls = new Map<string, PartialCall>();
  parts: ModelPart[] = [];
  next = 0;

  fresh(prefix: string): string {
    return `${prefix}-${this.next++}`;
  }

  stepStart(): number {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      if (this.parts[i] === STEP) return i + 1;
    }
    return 0;
  }

  tools(): Array<Extract<ModelPart, { tool: true }>> {
    return this.parts.filter((part): part is Extract<ModelPart, { tool: true }> => part.tool);
  }

  /** ai's upsert: the same-kind part of the current step, else a new part. */
  upsert(id: string, dynamic: boolean): void {
    const inStep = this.parts.slice(this.stepStart());
    if (!inStep.some((part) => part.tool && part.id === id && part.dynamic === dynamic)) {
      this.parts.push({ tool: true, id, dynamic });
    }
  }

  /** ai's lookup for results: first in the current step, else last in the message. */
  findCall(id: string): Extract<ModelPart, { tool: true }> | undefined {
    const inStep = this.parts.slice(this.stepStart());
    const first = inStep.find((part) => part.tool && part.id === id);
    if (first?.tool) return first;
    return this.tools().findLast((part) => part.id === id);
  }

  reset(): void {
    this.text = [];
    this.reasoning = [];
    this.calls.clear();
  }
}

const STEP: ModelPart = { tool: false };
const OTHER: ModelPart = { tool: false };

function bit(flags: number, n: number): boolean {
  return (flags & (1 << n)) !== 0;
}

function pickFrom<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

function metadataOf(value: JSONValue): JSONValue | undefined {
  return typeof value === "object" && value !== null ? value : undefined;
}

function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of [...points, text.length]) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  return pieces.filter((piece, index) => piece !== "" || index === 0);
}

/** Turns intents into a chunk sequence ai 7 accepts completely. */
export function interpret(intents: readonly Intent[]): UIMessageChunk[] {
  const model = new Model();
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

function toolOrContentChunk(
  model: Model,
  { op, pick, flags, text, value, cuts }: Intent,
  pm: object,
): UIMessageChunk | undefined {
  const existing = () => pickFrom(model.tools(), pick)?.id;
  switch (op) {
    case "tool-input-start": {
      const reuse = bit(flags, 0) ? existing() : undefined;
      const toolCallId = reuse ?? model.fresh("call");
      const dynamic = bit(flags, 1);
      const inputEncoding = pickFrom([undefined, undefined, "json", "text"] as const, pick);
      const source = inputEncoding === "text" || bit(flags, 2) ? text : JSON.stringify(value);
      model.calls.set(toolCallId, { pieces: split(source, cuts), dynamic });
      model.upsert(toolCallId, dynamic);
      return {
        type: "tool-input-start",
        toolCallId,
        toolName: pickFrom(["weather", "search-web", "x"], flags) as string,
        ...(dynamic || bit(flags, 3) ? { dynamic } : {}),
        ...(inputEncoding ? { inputEncoding } : {}),
        ...(bit(flags, 4) ? { title: `Title ${text}` } : {}),
        ...(bit(flags, 5) ? { toolMetadata: { k: text } } : {}),
        ...(bit(flags, 6) ? { providerExecuted: bit(pick, 0) } : {}),
        ...pm,
      };
    }
    case "tool-input-delta": {
      const toolCallId = pickFrom([...model.calls.keys()], pick);
      if (toolCallId === undefined) {
        return toolOrContentChunk(
          model,
          { op: "tool-input-start", pick, flags, text, value, cuts },
          pm,
        );
      }
      const call = model.calls.get(toolCallId) as PartialCall;
      model.upsert(toolCallId, call.dynamic);
      return { type: "tool-input-delta", toolCallId, inputTextDelta: call.pieces.shift() ?? text };
    }
    case "tool-input-available":
    case "tool-input-error": {
      const known = bit(flags, 0) ? pickFrom([...model.calls.keys()], pick) : existing();
      const toolCallId = known ?? model.fresh("call");
      let dynamic = model.calls.get(toolCallId)?.dynamic ?? bit(flags, 1);
      if (bit(flags, 2)) dynamic = !dynamic;
      if (op === "tool-input-error") {
        const inStep = model.parts.slice(model.stepStart());
        const first = inStep.find((part) => part.tool && part.id === toolCallId);
        if (first?.tool) dynamic = first.dynamic;
      }
      model.upsert(toolCallId, dynamic);
      return {
        type: op,
        toolCallId,
        toolName: pickFrom(["weather", "search-web"], flags) as string,
        input: value,
        ...(op === "tool-input-error" ? { errorText: `bad input ${text}` } : {}),
        ...(dynamic || bit(flags, 3) ? { dynamic } : {}),
        ...(bit(flags, 4) ? { title: `T${text}` } : {}),
        ...(bit(flags, 5) ? { toolMetadata: { m: pick } } : {}),
        ...(bit(flags, 6) ? { providerExecuted: true } : {}),
        ...pm,
      } as UIMessageChunk;
    }
    case "tool-approval-request": {
      const toolCallId = existing();
      if (toolCallId === undefined) return undefined;
      const approvalId = model.fresh("approval");
      (model.findCall(toolCallId) as Extract<ModelPart, { tool: true }>).approval = approvalId;
      return {
        type: "tool-approval-request",
        approvalId,
        toolCallId,
        ...(bit(flags, 0) ? { reason: text } : {}),
        ...(bit(flags, 1) ? { isAutomatic: bit(flags, 2) } : {}),
        ...(bit(flags, 3) ? { signature: "sig" } : {}),
        ...(bit(flags, 4) ? { approvalDescriptor: value } : {}),
        ...(bit(flags, 5) ? { inputSchemaInput: value } : {}),
      };
    }
    case "tool-approval-response": {
      const approvalId = pickFrom(
        model.tools().flatMap((part) => (part.approval ? [part.approval] : [])),
        pick,
      );
      if (approvalId === undefined) {
        return toolOrContentChunk(
          model,
          { op: "tool-approval-request", pick, flags, text, value, cuts },
          pm,
        );
      }
      return {
        type: "tool-approval-response",
        approvalId,
        approved: bit(flags, 0),
        ...(bit(flags, 1) ? { reason: text } : {}),
        ...(bit(flags, 2) ? { providerExecuted: bit(flags, 3) } : {}),
        ...pm,
      };
    }
    case "tool-output-available":
    case "tool-output-error":
    case "tool-output-denied": {
      const toolCallId = existing();
      if (toolCallId === undefined) return undefined;
      if (op === "tool-output-denied") return { type: op, toolCallId };
      return {
        type: op,
        toolCallId,
        ...(op === "tool-output-available"
          ? { output: value, ...(bit(flags, 0) ? { preliminary: bit(flags, 1) } : {}) }
          : { errorText: `failed ${text}` }),
        ...(bit(flags, 2) ? { providerExecuted: bit(flags, 3) } : {}),
        ...(bit(flags, 4) ? { toolMetadata: { out: text } } : {}),
        ...(bit(flags, 5) ? { dynamic: bit(flags, 6) } : {}),
        ...pm,
      } as UIMessageChunk;
    }
    default:
      return contentChunk(model, { op, pick, flags, text, value, cuts }, pm);
  }
}

function contentChunk(
  model: Model,
  { op, pick, flags, text, value }: Intent,
  pm: object,
): UIMessageChunk | undefined {
  switch (op) {
    case "source-url":
      model.parts.push(OTHER);
      return {
        type: op,
        sourceId: `s${pick}`,
        url: `https://example.test/${pick}`,
        ...(bit(flags, 0) ? { title: text } : {}),
        ...pm,
      };
    case "source-document":
      model.parts.push(OTHER);
      return {
        type: op,
        sourceId: `d${pick}`,
        mediaType: "application/pdf",
        title: text,
        ...(bit(flags, 0) ? { filename: "a.pdf" } : {}),
        ...pm,
      };
    case "file":
    case "reasoning-file":
      model.parts.push(OTHER);
      return { type: op, url: `data:text/plain,${pick}`, mediaType: "text/plain", ...pm };
    case "custom":
      model.parts.push(OTHER);
      return { type: op, kind: `test.${text.length}`, ...pm };
    case "steering-message":
      model.parts.push(OTHER);
      return { type: op, id: `steer-${pick}`, parts: [{ type: "text", text }] };
    case "data": {
      const id = pickFrom([undefined, "x", "y"], pick);
      const transient = bit(flags, 0) ? { transient: bit(flags, 1) } : {};
      model.parts.push(OTHER);
      return {
        type: bit(flags, 2) ? "data-a" : "data-b",
        ...(id ? { id } : {}),
        data: value,
        ...transient,
      };
    }
    case "error":
      return { type: op, errorText: `boom ${text}` };
    case "abort":
      return { type: op, ...(bit(flags, 0) ? { reason: text } : {}) };
    default:
      return undefined;
  }
}

/** Random intent lists, mapped to valid chunk sequences. */
export const validChunks = (maxLength = 50): fc.Arbitrary<UIMessageChunk[]> =>
  fc.array(intent, { maxLength, size: "max" }).map(interpret);

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
