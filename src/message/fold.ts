/**
 * The chunk → message fold (SPEC R1, R2; STYLE habit 4): a pure, synchronous reducer with the
 * semantics of `ai` 7's `processUIMessageStream` as `readUIMessageStream` runs it.
 */
import { isThreadlineError, ThreadlineError } from "../errors.js";
import type { DataUIMessageChunk, UIMessageChunk } from "./chunk-types.js";
import { FoldDraft, rejectChunk } from "./fold-draft.js";
import {
  foldContentPart,
  foldData,
  foldFinish,
  foldResetStep,
  foldStart,
  mergeIntoMetadata,
} from "./fold-message.js";
import type { FoldState } from "./fold-state.js";
import { foldTextDelta, foldTextEnd, foldTextStart } from "./fold-text.js";
import {
  foldToolApprovalRequest,
  foldToolApprovalResponse,
  foldToolInputAvailable,
  foldToolInputDelta,
  foldToolInputError,
  foldToolInputStart,
  foldToolOutput,
  foldToolOutputDenied,
} from "./fold-tools.js";

export type { FoldState, OpenParts, PartialToolCall } from "./fold-state.js";
export { createFoldState } from "./fold-state.js";

/**
 * Applies one chunk to a fold state and returns the new state; `state` is never mutated, and only
 * what changed is copied (the parts array and the changed part). Returns `state` itself for chunks
 * that change nothing (`finish-step`, `error`, `abort`, transient data).
 *
 * The result is exactly what `ai`'s `readUIMessageStream` (ai 7) holds after the same chunks
 * (SPEC R1), including its quirks: part ids only name *open* parts, so ids repeat across steps;
 * `finish-step` closes nothing; a `start` with a new `messageId` starts the message over.
 *
 * The chunk must already be valid ({@link parseChunk}); fields are not checked again.
 *
 * @throws ThreadlineError `chunk_rejected` where `ai` fails (SPEC R2): a text/reasoning delta or end
 *   with no open part of that id, a `tool-input-delta` with no `tool-input-start`, a tool result or
 *   approval request for a toolCallId the message lacks, an approval response for an unknown
 *   approval id, metadata that cannot merge, or an unknown chunk type. `details` is
 *   `{ chunkType, reason }`; the message names both.
 * @example
 * ```ts
 * let state = createFoldState({ id: "msg-1", role: "assistant", parts: [] });
 * state = foldChunk(state, { type: "text-start", id: "0" });
 * state = foldChunk(state, { type: "text-delta", id: "0", delta: "Hello" });
 * state.message.parts; // [{ type: "text", text: "Hello", state: "streaming" }]
 * ```
 */
export function foldChunk(state: FoldState, chunk: UIMessageChunk): FoldState {
  const draft = new FoldDraft(state);
  applyChunk(draft, chunk);
  return draft.result();
}

/**
 * Folds `chunks` in order (see {@link foldChunk}); each part and the parts array are copied at most
 * once for the whole batch.
 *
 * @throws ThreadlineError `chunk_rejected` for the first chunk that cannot apply, with
 *   `details: { chunkIndex, chunkType, reason }` (`chunkIndex` is the position in `chunks`) and the
 *   handler's error as `cause` (SPEC R2). `state` is unchanged; fold `chunks.slice(0, chunkIndex)`
 *   to keep everything accepted before it.
 */
export function foldChunks(state: FoldState, chunks: readonly UIMessageChunk[]): FoldState {
  const draft = new FoldDraft(state);
  for (let index = 0; index < chunks.length; index++) {
    const chunk = chunks[index] as UIMessageChunk;
    try {
      applyChunk(draft, chunk);
    } catch (error) {
      if (!isThreadlineError(error, "chunk_rejected")) throw error;
      const reason = String(error.details?.reason ?? error.message);
      throw new ThreadlineError(
        "chunk_rejected",
        `Chunk at index ${index} (type "${chunk.type}") rejected: ${reason}`,
        { cause: error, details: { chunkIndex: index, chunkType: chunk.type, reason } },
      );
    }
  }
  return draft.result();
}

function applyChunk(draft: FoldDraft, chunk: UIMessageChunk): void {
  switch (chunk.type) {
    case "text-start":
    case "reasoning-start":
      foldTextStart(draft, chunk);
      break;
    case "text-delta":
    case "reasoning-delta":
      foldTextDelta(draft, chunk);
      break;
    case "text-end":
    case "reasoning-end":
      foldTextEnd(draft, chunk);
      break;
    case "tool-input-start":
      foldToolInputStart(draft, chunk);
      break;
    case "tool-input-delta":
      foldToolInputDelta(draft, chunk);
      break;
    case "tool-input-available":
      foldToolInputAvailable(draft, chunk);
      break;
    case "tool-input-error":
      foldToolInputError(draft, chunk);
      break;
    case "tool-approval-request":
      foldToolApprovalRequest(draft, chunk);
      break;
    case "tool-approval-response":
      foldToolApprovalResponse(draft, chunk);
      break;
    case "tool-output-denied":
      foldToolOutputDenied(draft, chunk);
      break;
    case "tool-output-available":
    case "tool-output-error":
      foldToolOutput(draft, chunk);
      break;
    case "source-url":
    case "source-document":
    case "file":
    case "reasoning-file":
    case "custom":
    case "steering-message":
    case "start-step":
      foldContentPart(draft, chunk);
      break;
    case "reset-step":
      foldResetStep(draft);
      break;
    case "start":
      foldStart(draft, chunk);
      break;
    case "finish":
      foldFinish(draft, chunk);
      break;
    case "message-metadata":
      mergeIntoMetadata(draft, chunk);
      break;
    case "finish-step":
    case "error":
    case "abort":
      break;
    default:
      foldOther(draft, chunk);
  }
}

function foldOther(draft: FoldDraft, chunk: DataUIMessageChunk): void {
  const type: unknown = chunk.type;
  if (typeof type !== "string" || !type.startsWith("data-")) {
    throw rejectChunk(String(type), `unknown chunk type "${String(type)}"`);
  }
  foldData(draft, chunk);
}
