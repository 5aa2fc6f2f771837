/**
 * AI SDK-compatible message types (SPEC §1 "Message", R1).
 *
 * The names and shapes follow the `ai` package (v7) so that a `UIMessage` from `ai` can be stored
 * in Threadline and read back unchanged. Everything here is plain JSON data: no functions, no
 * classes, no `Date`s. Values the AI SDK types as `unknown` (tool input and output, data parts,
 * message metadata) stay `unknown` here so that `ai`'s own types remain assignable; at run time
 * they are JSON values.
 *
 * The chunk union lives in `chunk-types.ts` and is re-exported from here.
 */

export type { FinishReason, UIMessageChunk } from "./chunk-types.js";

/** Any JSON value (the AI SDK's `JSONValue`; read-only so that `ai`'s values are assignable). */
export type JSONValue =
  | null
  | string
  | number
  | boolean
  | Readonly<JSONObject>
  | readonly JSONValue[];

/** A JSON object; `undefined` members are allowed as in the AI SDK and vanish when serialized. */
export type JSONObject = { [key: string]: JSONValue | undefined };

/**
 * Provider-specific data attached to a part or chunk, keyed by provider name
 * (`{ openai: { itemId: "rs_1" } }`).
 */
export type ProviderMetadata = Record<string, JSONObject>;

/** Who wrote a message. */
export type MessageRole = "system" | "user" | "assistant";

/**
 * Lifecycle state of a stored message (SPEC §1, R16): `streaming` until exactly one terminal
 * state is reached.
 */
export type MessageStatus = "streaming" | "completed" | "aborted" | "error";

/** The source a text part cites (`text-end.citations`, ai 7). */
export type CitationSource =
  | {
      type: "source";
      sourceType: "url";
      id: string;
      url: string;
      title?: string;
      providerMetadata?: ProviderMetadata;
    }
  | {
      type: "source";
      sourceType: "document";
      id: string;
      mediaType: string;
      title: string;
      filename?: string;
      providerMetadata?: ProviderMetadata;
    };

/** A reference that supports generated text; offsets are UTF-16 indices into the part's text. */
export interface Citation {
  source: CitationSource;
  startIndex?: number;
  endIndex?: number;
  citedText?: string;
}

/** Generated or user text. `state` is `streaming` until its `text-end` chunk. */
export interface TextUIPart {
  type: "text";
  text: string;
  state?: "streaming" | "done";
  citations?: Citation[];
  providerMetadata?: ProviderMetadata;
}

/** Model reasoning. `id` is the stream's part id (ai 7 records it). */
export interface ReasoningUIPart {
  type: "reasoning";
  id?: string;
  text: string;
  state?: "streaming" | "done";
  providerMetadata?: ProviderMetadata;
}

/** Provider-specific content the SDK does not model, named `"<provider>.<kind>"` (ai 7). */
export interface CustomContentUIPart {
  type: "custom";
  kind: `${string}.${string}`;
  providerMetadata?: ProviderMetadata;
}

/** A cited web page. */
export interface SourceUrlUIPart {
  type: "source-url";
  sourceId: string;
  url: string;
  title?: string;
  providerMetadata?: ProviderMetadata;
}

/** A cited document. */
export interface SourceDocumentUIPart {
  type: "source-document";
  sourceId: string;
  mediaType: string;
  title: string;
  filename?: string;
  providerMetadata?: ProviderMetadata;
}

/** A file, by URL (often a `data:` URL). */
export interface FileUIPart {
  type: "file";
  mediaType: string;
  url: string;
  filename?: string;
  providerReference?: Record<string, string>;
  providerMetadata?: ProviderMetadata;
}

/** A file produced as part of reasoning (ai 7). */
export interface ReasoningFileUIPart {
  type: "reasoning-file";
  mediaType: string;
  url: string;
  providerMetadata?: ProviderMetadata;
}

/** A user message injected into a running agent loop (ai 7, experimental). */
export interface SteeringMessageUIPart {
  type: "steering-message";
  id: string;
  parts: Array<TextUIPart | FileUIPart>;
}

/** Marks the start of one model call (step) inside a multi-step message. */
export interface StepStartUIPart {
  type: "step-start";
}

/**
 * Application data streamed with the message (`data-<name>` chunks). A later chunk with the same
 * `type` and `id` replaces `data` in place.
 */
export interface DataUIPart {
  type: `data-${string}`;
  id?: string;
  data: unknown;
}

/** How `tool-input-delta` text is interpreted: parsed as partial JSON (default) or kept as text. */
export type ToolInputEncoding = "json" | "text";

/**
 * A tool approval: created by `tool-approval-request`, answered by `tool-approval-response` (which
 * sets `approved` and may set `reason`).
 */
export interface ToolApproval {
  id: string;
  approved?: boolean;
  descriptor?: unknown;
  requestReason?: string;
  reason?: string;
  isAutomatic?: boolean;
  signature?: string;
  inputSchemaInput?: unknown;
}

/** Fields every tool call part has, whatever its state. */
export interface ToolCallFields {
  toolCallId: string;
  title?: string;
  toolMetadata?: JSONObject;
  providerExecuted?: boolean;
  callProviderMetadata?: ProviderMetadata;
}

/**
 * The state-dependent fields of a tool call part, discriminated by `state` exactly as in the AI SDK
 * (`UIToolInvocation`): `rawInput`/`inputEncoding` while `input-streaming`, `output` when
 * `output-available`, `errorText` when `output-error`, `approval` from `approval-requested` on.
 */
export type ToolInvocationState =
  | {
      state: "input-streaming";
      input?: unknown;
      rawInput?: string;
      inputEncoding?: ToolInputEncoding;
      output?: never;
      errorText?: never;
      approval?: never;
    }
  | {
      state: "input-available";
      input: unknown;
      output?: never;
      errorText?: never;
      approval?: never;
    }
  | {
      state: "approval-requested";
      input: unknown;
      output?: never;
      errorText?: never;
      approval: ToolApproval & { approved?: never; reason?: never };
    }
  | {
      state: "approval-responded";
      input: unknown;
      output?: never;
      errorText?: never;
      approval: ToolApproval & { approved: boolean };
    }
  | {
      state: "output-available";
      input: unknown;
      output: unknown;
      errorText?: never;
      resultProviderMetadata?: ProviderMetadata;
      preliminary?: boolean;
      approval?: ToolApproval & { approved: true };
    }
  | {
      state: "output-error";
      input: unknown;
      rawInput?: unknown;
      output?: never;
      errorText: string;
      resultProviderMetadata?: ProviderMetadata;
      approval?: ToolApproval & { approved: true };
    }
  | {
      state: "output-denied";
      input: unknown;
      output?: never;
      errorText?: never;
      approval: ToolApproval & { approved: false };
    };

/** Every state a tool call part can be in (ai 7; `approval-*` and `output-denied` since ai 6). */
export type ToolState = ToolInvocationState["state"];

/** A call of a tool known to the app; the tool name is the part type's suffix (`tool-weather`). */
export type ToolUIPart = { type: `tool-${string}` } & ToolCallFields & ToolInvocationState;

/** A call of a tool not known statically (for example an MCP tool); the name is `toolName`. */
export type DynamicToolUIPart = {
  type: "dynamic-tool";
  toolName: string;
  dynamic?: false;
} & ToolCallFields &
  ToolInvocationState;

/** One part of a message, discriminated by `type` (every part type of ai 7). */
export type UIMessagePart =
  | TextUIPart
  | ReasoningUIPart
  | CustomContentUIPart
  | ToolUIPart
  | DynamicToolUIPart
  | SourceUrlUIPart
  | SourceDocumentUIPart
  | FileUIPart
  | ReasoningFileUIPart
  | DataUIPart
  | SteeringMessageUIPart
  | StepStartUIPart;

/**
 * A chat message as the AI SDK's `useChat` and `readUIMessageStream` see it: an id, a role, optional
 * app metadata and an ordered list of parts (SPEC §1).
 *
 * Also the bound of every `MESSAGE` type parameter (`createThreadline<MESSAGE>`, `createClient`):
 * the typed `UIMessage<METADATA, DATA_PARTS, TOOLS>` of ai 5, 6 and 7 are assignable to it, since
 * its metadata, data and tool values are `unknown`.
 */
export interface UIMessage {
  id: string;
  role: MessageRole;
  metadata?: unknown;
  parts: UIMessagePart[];
}
