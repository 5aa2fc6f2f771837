/**
 * `message/`: AI SDK-compatible message and chunk types, chunk validation, the chunk → message fold
 * and message finalization (SPEC R1, R2, R3/R4 classification, R16). The bottom layer: it imports
 * nothing from other Threadline subsystems except `errors.ts`.
 */

export { parseChunk, parseChunkJson } from "./chunk-schema.js";
export type { DataUIMessageChunk, UIMessageChunkType } from "./chunk-types.js";
export {
  ABORTED_TOOL_ERROR_TEXT,
  classifyChunk,
  FAILED_TOOL_ERROR_TEXT,
  finalizeMessage,
  mergeDeltaChunks,
} from "./finalize.js";
export {
  createFoldState,
  type FoldState,
  foldChunk,
  foldChunks,
  type OpenParts,
  type PartialToolCall,
} from "./fold.js";
export { parsePartialJson } from "./partial-json.js";
export type {
  Citation,
  CitationSource,
  CustomContentUIPart,
  DataUIPart,
  DynamicToolUIPart,
  FileUIPart,
  FinishReason,
  JSONObject,
  JSONValue,
  MessageRole,
  MessageStatus,
  ProviderMetadata,
  ReasoningFileUIPart,
  ReasoningUIPart,
  SourceDocumentUIPart,
  SourceUrlUIPart,
  SteeringMessageUIPart,
  StepStartUIPart,
  TextUIPart,
  ToolApproval,
  ToolCallFields,
  ToolInputEncoding,
  ToolInvocationState,
  ToolState,
  ToolUIPart,
  UIMessage,
  UIMessageChunk,
  UIMessagePart,
} from "./types.js";
export { validateMessageParts } from "./validate-message-parts.js";
