/**
 * The AI SDK "UI message stream" chunk union (SPEC §1 "Chunk", protocols/ai-sdk-ui-message-stream.md).
 *
 * A superset of the chunk types of ai 5, 6 and 7: ai 6 added `tool-approval-request` and
 * `tool-output-denied`; ai 7 added `tool-approval-response`, `reset-step`, `custom`,
 * `reasoning-file`, `steering-message`, `text-end.citations` and the `interrupted` finish reason.
 * Chunks are JSON; unknown extra fields are allowed on every chunk (the schema is loose).
 */
import type {
  Citation,
  FileUIPart,
  JSONObject,
  ProviderMetadata,
  TextUIPart,
  ToolInputEncoding,
} from "./types.js";

/** Why the model stopped (`finish.finishReason`). */
export type FinishReason =
  | "stop"
  | "length"
  | "content-filter"
  | "tool-calls"
  | "error"
  | "interrupted"
  | "other";

/** Fields the tool-call chunks share. */
interface ToolCallChunkFields {
  toolCallId: string;
  providerExecuted?: boolean;
  providerMetadata?: ProviderMetadata;
  toolMetadata?: JSONObject;
  dynamic?: boolean;
}

/**
 * One chunk of an AI SDK UI message stream, discriminated by `type`. See the protocol summary for
 * what each chunk does to the message; `foldChunk` applies them (R1).
 */
export type UIMessageChunk =
  | { type: "start"; messageId?: string; messageMetadata?: unknown }
  | { type: "finish"; finishReason?: FinishReason; messageMetadata?: unknown }
  | { type: "message-metadata"; messageMetadata: unknown }
  | { type: "abort"; reason?: string }
  | { type: "error"; errorText: string }
  | { type: "start-step" }
  | { type: "finish-step" }
  | { type: "reset-step" }
  | { type: "text-start"; id: string; providerMetadata?: ProviderMetadata }
  | { type: "text-delta"; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: "text-end"; id: string; citations?: Citation[]; providerMetadata?: ProviderMetadata }
  | { type: "reasoning-start"; id: string; providerMetadata?: ProviderMetadata }
  | { type: "reasoning-delta"; id: string; delta: string; providerMetadata?: ProviderMetadata }
  | { type: "reasoning-end"; id: string; providerMetadata?: ProviderMetadata }
  | (ToolCallChunkFields & {
      type: "tool-input-start";
      toolName: string;
      inputEncoding?: ToolInputEncoding;
      title?: string;
    })
  | { type: "tool-input-delta"; toolCallId: string; inputTextDelta: string }
  | (ToolCallChunkFields & {
      type: "tool-input-available";
      toolName: string;
      input: unknown;
      title?: string;
    })
  | (ToolCallChunkFields & {
      type: "tool-input-error";
      toolName: string;
      input: unknown;
      errorText: string;
      title?: string;
    })
  | {
      type: "tool-approval-request";
      approvalId: string;
      toolCallId: string;
      approvalDescriptor?: unknown;
      inputSchemaInput?: unknown;
      reason?: string;
      isAutomatic?: boolean;
      signature?: string;
    }
  | {
      type: "tool-approval-response";
      approvalId: string;
      approved: boolean;
      reason?: string;
      providerExecuted?: boolean;
      providerMetadata?: ProviderMetadata;
    }
  | (ToolCallChunkFields & {
      type: "tool-output-available";
      output: unknown;
      preliminary?: boolean;
    })
  | (ToolCallChunkFields & { type: "tool-output-error"; errorText: string })
  | { type: "tool-output-denied"; toolCallId: string }
  | {
      type: "source-url";
      sourceId: string;
      url: string;
      title?: string;
      providerMetadata?: ProviderMetadata;
    }
  | {
      type: "source-document";
      sourceId: string;
      mediaType: string;
      title: string;
      filename?: string;
      providerMetadata?: ProviderMetadata;
    }
  | { type: "file"; url: string; mediaType: string; providerMetadata?: ProviderMetadata }
  | { type: "reasoning-file"; url: string; mediaType: string; providerMetadata?: ProviderMetadata }
  | { type: "custom"; kind: `${string}.${string}`; providerMetadata?: ProviderMetadata }
  | { type: "steering-message"; id: string; parts: Array<TextUIPart | FileUIPart> }
  | DataUIMessageChunk;

/**
 * An application data chunk (`data-<name>`). `transient` chunks are delivered but never stored;
 * otherwise a chunk with the `type` and `id` of an existing data part replaces its `data`.
 */
export interface DataUIMessageChunk {
  type: `data-${string}`;
  id?: string;
  data: unknown;
  transient?: boolean;
}

/** The `type` of any chunk. */
export type UIMessageChunkType = UIMessageChunk["type"];
