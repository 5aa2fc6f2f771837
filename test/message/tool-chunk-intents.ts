/**
 * Chunk generators for tool calls and content parts (SPEC R1 tests); see `chunk-arbitraries.ts`.
 */
import type { UIMessageChunk } from "../../src/message/index.js";
import type { Intent } from "./chunk-arbitraries.js";
import {
  bit,
  type Model,
  type ModelPart,
  OTHER,
  type PartialCall,
  pickFrom,
  split,
} from "./sequence-model.js";

/** The chunk for a tool or content intent, or `undefined` when it cannot apply. */
export function toolOrContentChunk(
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
