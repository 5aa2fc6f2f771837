/**
 * The state the chunk fold carries between chunks (SPEC R1). Plain JSON, so the writer can persist
 * it next to the message and resume folding after a restart.
 */
import type { FinishReason } from "./chunk-types.js";
import type { JSONObject, ToolInputEncoding, UIMessage, UIMessagePart } from "./types.js";

/**
 * A tool call whose input is streaming: the raw input text received so far and what is needed to
 * rebuild its part on every `tool-input-delta`. Entries stay until `reset-step` or a message reset,
 * as in `ai`, so a late delta still finds its call.
 */
export interface PartialToolCall {
  /** Concatenated `inputTextDelta`s. */
  readonly text: string;
  /** Number of static tool parts in the step before this call (kept for parity with `ai`). */
  readonly index: number;
  readonly toolName: string;
  readonly dynamic?: boolean;
  readonly inputEncoding?: ToolInputEncoding;
  readonly title?: string;
  readonly toolMetadata?: JSONObject;
}

/**
 * Bookkeeping of what is open in the message being folded.
 *
 * - `text` / `reasoning`: stream part id → index in `message.parts` of the part that id currently
 *   names. Ids repeat across steps (Anthropic sends `"0"` every step); only open parts are keyed.
 * - `tools`: toolCallId → {@link PartialToolCall}.
 * - `finishReason`: the last `finish.finishReason` seen.
 */
export interface OpenParts {
  readonly text: Readonly<Record<string, number>>;
  readonly reasoning: Readonly<Record<string, number>>;
  readonly tools: Readonly<Record<string, PartialToolCall>>;
  readonly finishReason?: FinishReason;
}

/** A message being folded plus its {@link OpenParts}. JSON-serializable (persisted by the writer). */
export interface FoldState {
  readonly message: UIMessage;
  readonly open: OpenParts;
}

/** `OpenParts` with nothing open. The maps have no prototype, so any id is a safe key. */
export function emptyOpenParts(): OpenParts {
  return { text: Object.create(null), reasoning: Object.create(null), tools: Object.create(null) };
}

/**
 * Starts a fold from `message`, as `ai`'s `readUIMessageStream({ message })` starts from it
 * (SPEC R1): the message is continued, and each of its tool calls in the last step that is still
 * `input-streaming` is reopened from its `rawInput`, so further `tool-input-delta` chunks apply.
 * Text and reasoning parts are not reopened (as in `ai`).
 *
 * One deliberate difference: `ai` ignores a message whose role is not `assistant` and starts an
 * empty assistant message instead; here the message is always kept, so that a fold state made for
 * any stored message never loses its parts.
 *
 * @example
 * ```ts
 * let state = createFoldState({ id: "msg-1", role: "assistant", parts: [] });
 * state = foldChunk(state, { type: "text-start", id: "0" });
 * ```
 */
export function createFoldState(message: UIMessage): FoldState {
  return { message, open: { ...emptyOpenParts(), tools: reopenStreamingTools(message.parts) } };
}

function reopenStreamingTools(parts: readonly UIMessagePart[]): Record<string, PartialToolCall> {
  const tools: Record<string, PartialToolCall> = Object.create(null);
  let staticBefore = 0;
  for (let i = lastStepStart(parts); i < parts.length; i++) {
    const part = parts[i] as UIMessagePart;
    const isStatic = part.type.startsWith("tool-");
    if (!isStatic && part.type !== "dynamic-tool") continue;
    const index = staticBefore;
    if (isStatic) staticBefore++;
    const tool = part as Extract<UIMessagePart, { toolCallId: string }>;
    if (tool.state !== "input-streaming") continue;
    tools[tool.toolCallId] = withoutUndefined({
      text: tool.rawInput == null ? "" : String(tool.rawInput),
      index,
      toolName: tool.type === "dynamic-tool" ? tool.toolName : tool.type.slice("tool-".length),
      dynamic: tool.type === "dynamic-tool",
      inputEncoding: tool.inputEncoding,
      title: tool.title,
      toolMetadata: tool.toolMetadata,
    });
  }
  return tools;
}

/** Index of the first part of the current step: just after the last `step-start`, else 0. */
export function lastStepStart(parts: readonly UIMessagePart[]): number {
  for (let i = parts.length - 1; i >= 0; i--) {
    if ((parts[i] as UIMessagePart).type === "step-start") return i + 1;
  }
  return 0;
}

/** Own, non-inherited member lookup for id-keyed maps (ids such as `"constructor"` are data). */
export function getOwn<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** A copy of `object` without its `undefined` members (parts and state stay JSON-clean). */
export function withoutUndefined<T extends object>(object: T): T {
  const result = {} as T;
  for (const key of Object.keys(object) as Array<keyof T>) {
    if (object[key] !== undefined) result[key] = object[key];
  }
  return result;
}
