/**
 * Tool call chunks (SPEC R1): input streaming (`tool-input-start/-delta/-available/-error`),
 * approvals (`tool-approval-request/-response`) and results (`tool-output-available/-error/-denied`).
 */
import type { UIMessageChunk } from "./chunk-types.js";
import { type FoldDraft, rejectChunk } from "./fold-draft.js";
import { getOwn, lastStepStart, withoutUndefined } from "./fold-state.js";
import {
  findInCurrentStep,
  findToolCall,
  isToolPart,
  upsertToolPart,
  type WritableToolPart,
} from "./fold-tool-part.js";
import { parsePartialJson } from "./partial-json.js";
import type { ToolApproval } from "./types.js";

type ChunkOf<T extends UIMessageChunk["type"]> = Extract<UIMessageChunk, { type: T }>;

/** `tool-input-start`: opens a partial call and shows it as `input-streaming`. */
export function foldToolInputStart(draft: FoldDraft, chunk: ChunkOf<"tool-input-start">): void {
  draft.setOpen(
    "tools",
    chunk.toolCallId,
    withoutUndefined({
      text: "",
      index: staticToolsInStep(draft),
      toolName: chunk.toolName,
      dynamic: chunk.dynamic,
      inputEncoding: chunk.inputEncoding,
      title: chunk.title,
      toolMetadata: chunk.toolMetadata,
    }),
  );
  upsertToolPart(draft, chunk.dynamic === true, {
    toolCallId: chunk.toolCallId,
    toolName: chunk.toolName,
    state: "input-streaming",
    inputEncoding: chunk.inputEncoding,
    input: undefined,
    providerExecuted: chunk.providerExecuted,
    title: chunk.title,
    toolMetadata: chunk.toolMetadata,
    providerMetadata: chunk.providerMetadata,
  });
}

/**
 * `tool-input-delta`: appends to the call's raw input; `input` becomes the partial-JSON parse of
 * the whole raw text (or the raw text itself with `inputEncoding: "text"`).
 *
 * @throws ThreadlineError `chunk_rejected` when no `tool-input-start` opened this toolCallId.
 */
export function foldToolInputDelta(draft: FoldDraft, chunk: ChunkOf<"tool-input-delta">): void {
  const call = getOwn(draft.open.tools, chunk.toolCallId);
  if (call === undefined) {
    throw rejectChunk(
      chunk.type,
      `no streaming tool call with toolCallId "${chunk.toolCallId}" (a "tool-input-start" chunk must come first)`,
    );
  }
  const text = call.text + chunk.inputTextDelta;
  draft.setOpen("tools", chunk.toolCallId, { ...call, text });
  upsertToolPart(draft, call.dynamic === true, {
    toolCallId: chunk.toolCallId,
    toolName: call.toolName,
    state: "input-streaming",
    inputEncoding: call.inputEncoding,
    input: call.inputEncoding === "text" ? text : parsePartialJson(text),
    rawInput: text,
    title: call.title,
    toolMetadata: call.toolMetadata,
  });
}

/** `tool-input-available`: the complete input; the call is now `input-available`. */
export function foldToolInputAvailable(
  draft: FoldDraft,
  chunk: ChunkOf<"tool-input-available">,
): void {
  upsertToolPart(draft, chunk.dynamic === true, {
    toolCallId: chunk.toolCallId,
    toolName: chunk.toolName,
    state: "input-available",
    input: chunk.input,
    providerExecuted: chunk.providerExecuted,
    providerMetadata: chunk.providerMetadata,
    title: chunk.title,
    toolMetadata: chunk.toolMetadata,
  });
}

/**
 * `tool-input-error`: the input was invalid; the call becomes `output-error`. An existing part of
 * the step decides whether the call is dynamic, else the chunk's `dynamic` flag does.
 */
export function foldToolInputError(draft: FoldDraft, chunk: ChunkOf<"tool-input-error">): void {
  const existing = findInCurrentStep(
    draft.parts,
    (part) => isToolPart(part) && part.toolCallId === chunk.toolCallId,
  );
  const dynamic =
    existing >= 0 ? draft.parts[existing]?.type === "dynamic-tool" : chunk.dynamic === true;
  upsertToolPart(draft, dynamic, {
    toolCallId: chunk.toolCallId,
    toolName: chunk.toolName,
    state: "output-error",
    input: chunk.input,
    errorText: chunk.errorText,
    providerExecuted: chunk.providerExecuted,
    providerMetadata: chunk.providerMetadata,
    toolMetadata: chunk.toolMetadata,
  });
}

/**
 * `tool-approval-request`: the call waits for approval (`approval-requested`, new `approval`).
 *
 * @throws ThreadlineError `chunk_rejected` when the message has no call with that toolCallId.
 */
export function foldToolApprovalRequest(
  draft: FoldDraft,
  chunk: ChunkOf<"tool-approval-request">,
): void {
  const part = draft.writablePart<WritableToolPart>(
    findToolCall(draft, chunk.type, chunk.toolCallId),
  );
  const approval: ToolApproval = { id: chunk.approvalId };
  if (chunk.approvalDescriptor != null) approval.descriptor = chunk.approvalDescriptor;
  if (Object.hasOwn(chunk, "inputSchemaInput")) approval.inputSchemaInput = chunk.inputSchemaInput;
  if (chunk.reason != null) approval.requestReason = chunk.reason;
  if (chunk.isAutomatic === true) approval.isAutomatic = true;
  if (chunk.signature != null) approval.signature = chunk.signature;
  part.state = "approval-requested";
  part.approval = approval;
}

/**
 * `tool-approval-response` (ai 7): records the decision on the call whose approval has that id
 * (`approval-responded`).
 *
 * @throws ThreadlineError `chunk_rejected` when no call has an approval with that id.
 */
export function foldToolApprovalResponse(
  draft: FoldDraft,
  chunk: ChunkOf<"tool-approval-response">,
): void {
  const index = draft.parts.findIndex(
    (part) => isToolPart(part) && part.approval?.id === chunk.approvalId,
  );
  if (index < 0) {
    throw rejectChunk(chunk.type, `no tool call with approval id "${chunk.approvalId}"`);
  }
  const part = draft.writablePart<WritableToolPart>(index);
  part.state = "approval-responded";
  part.approval = {
    ...part.approval,
    id: chunk.approvalId,
    approved: chunk.approved,
    ...(chunk.reason != null ? { reason: chunk.reason } : {}),
  };
  if (chunk.providerExecuted != null) part.providerExecuted = chunk.providerExecuted;
  if (chunk.providerMetadata != null) part.callProviderMetadata = chunk.providerMetadata;
}

/**
 * `tool-output-denied`: the call was not approved (`output-denied`).
 *
 * @throws ThreadlineError `chunk_rejected` when the message has no call with that toolCallId.
 */
export function foldToolOutputDenied(draft: FoldDraft, chunk: ChunkOf<"tool-output-denied">): void {
  draft.writablePart<WritableToolPart>(findToolCall(draft, chunk.type, chunk.toolCallId)).state =
    "output-denied";
}

/**
 * `tool-output-available` / `tool-output-error`: the call's result (`preliminary` outputs are
 * replaced by later ones). The part keeps its kind, name, input and title.
 *
 * @throws ThreadlineError `chunk_rejected` when the message has no call with that toolCallId.
 */
export function foldToolOutput(
  draft: FoldDraft,
  chunk: ChunkOf<"tool-output-available" | "tool-output-error">,
): void {
  const index = findToolCall(draft, chunk.type, chunk.toolCallId);
  const call = draft.parts[index] as WritableToolPart;
  const dynamic = call.type === "dynamic-tool";
  const result =
    chunk.type === "tool-output-available"
      ? { state: "output-available" as const, output: chunk.output, preliminary: chunk.preliminary }
      : {
          state: "output-error" as const,
          errorText: chunk.errorText,
          // ai 7 keeps a static call's rawInput on an error result, not a dynamic call's.
          rawInput: dynamic ? undefined : call.rawInput,
        };
  upsertToolPart(
    draft,
    dynamic,
    {
      toolCallId: chunk.toolCallId,
      toolName: dynamic ? (call.toolName as string) : call.type.slice("tool-".length),
      input: call.input,
      providerExecuted: chunk.providerExecuted,
      providerMetadata: chunk.providerMetadata,
      title: call.title,
      toolMetadata: chunk.toolMetadata ?? call.toolMetadata,
      ...result,
    },
    index,
  );
}

/** Number of static tool parts in the current step. */
function staticToolsInStep(draft: FoldDraft): number {
  const parts = draft.parts;
  let count = 0;
  for (let i = lastStepStart(parts); i < parts.length; i++) {
    if (parts[i]?.type.startsWith("tool-")) count++;
  }
  return count;
}
