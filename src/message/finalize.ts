/**
 * Terminal states and write classes of chunks: finalizing a message (SPEC R16), classifying chunks
 * for the coalescing writer (R3, R4) and merging buffered deltas (R3, R9).
 */
import type { UIMessageChunk } from "./chunk-types.js";
import type { MessageStatus, ToolState, UIMessage, UIMessagePart } from "./types.js";

/** Default `errorText` of a tool call cut off by an abort (SPEC R16). */
export const ABORTED_TOOL_ERROR_TEXT = "Message aborted before the tool call completed";
/** Default `errorText` of a tool call cut off by an error (SPEC R16). */
export const FAILED_TOOL_ERROR_TEXT = "Message failed before the tool call completed";

const UNRESOLVED_STATES: ReadonlySet<ToolState> = new Set<ToolState>([
  "input-streaming",
  "input-available",
  "approval-requested",
  "approval-responded",
]);

/**
 * The message as stored with a terminal status (SPEC R16).
 *
 * On `aborted` and `error`, every tool call still without a result (`input-streaming`,
 * `input-available`, `approval-requested`, `approval-responded`) gets a synthetic result:
 * `state: "output-error"` with `errorText` (the given text, else a default saying the message was
 * aborted or failed before the call completed). Its input is kept; an `input-streaming` call keeps
 * the input parsed so far (and its `rawInput`, which `ai`'s `convertToModelMessages` falls back on).
 * Everything else, partial text included, is kept as it is, so the history always replays to a
 * model. On `completed` nothing changes: a call awaiting a client-side result stays
 * `input-available`.
 *
 * Pure: returns `message` itself when nothing changes, else a copy with new parts where needed.
 *
 * @example
 * ```ts
 * const stored = finalizeMessage(state.message, "aborted");
 * // a tool call that was still streaming its input is now
 * // { state: "output-error", errorText: "Message aborted before the tool call completed", … }
 * ```
 */
export function finalizeMessage(
  message: UIMessage,
  status: Exclude<MessageStatus, "streaming">,
  errorText?: string,
): UIMessage {
  if (status === "completed") return message;
  const text =
    errorText ?? (status === "aborted" ? ABORTED_TOOL_ERROR_TEXT : FAILED_TOOL_ERROR_TEXT);
  let parts: UIMessagePart[] | undefined;
  message.parts.forEach((part, index) => {
    if (!isUnresolvedToolCall(part)) return;
    const { inputEncoding: _encoding, ...rest } = part;
    parts ??= message.parts.slice();
    parts[index] = { ...rest, state: "output-error", errorText: text };
  });
  return parts === undefined ? message : { ...message, parts };
}

function isUnresolvedToolCall(
  part: UIMessagePart,
): part is Extract<UIMessagePart, { toolCallId: string }> {
  return (
    (part.type === "dynamic-tool" || part.type.startsWith("tool-")) &&
    UNRESOLVED_STATES.has((part as { state: ToolState }).state)
  );
}

/**
 * How the coalescing writer treats a chunk (SPEC R3, R4):
 * - `delta`: buffered and written at most once per window (`text-delta`, `reasoning-delta`,
 *   `tool-input-delta`, `message-metadata`);
 * - `terminal`: ends the message (`finish`, `error`, `abort`);
 * - `structural`: everything else (a part appears or changes state: `*-start`, `*-end`,
 *   `tool-input-available/-error`, tool outputs and approvals, steps, sources, files, `data-*`,
 *   `custom`, `start`, …), written before the call that made it returns.
 *
 * @example
 * ```ts
 * classifyChunk({ type: "text-delta", id: "0", delta: "Hi" }); // "delta"
 * ```
 */
export function classifyChunk(chunk: UIMessageChunk): "delta" | "structural" | "terminal" {
  switch (chunk.type) {
    case "text-delta":
    case "reasoning-delta":
    case "tool-input-delta":
    case "message-metadata":
      return "delta";
    case "finish":
    case "error":
    case "abort":
      return "terminal";
    default:
      return "structural";
  }
}

/**
 * Merges runs of adjacent deltas into one chunk each (SPEC R3, R9: fewer, larger log entries):
 * `text-delta`s and `reasoning-delta`s with the same `id`, and `tool-input-delta`s with the same
 * `toolCallId`, as long as neither chunk carries `providerMetadata`. Folding the result gives the
 * same message and state as folding `chunks`. Pure; chunks that are not merged are returned as they
 * are.
 *
 * @example
 * ```ts
 * mergeDeltaChunks([
 *   { type: "text-delta", id: "0", delta: "Hel" },
 *   { type: "text-delta", id: "0", delta: "lo" },
 * ]); // [{ type: "text-delta", id: "0", delta: "Hello" }]
 * ```
 */
export function mergeDeltaChunks(chunks: readonly UIMessageChunk[]): UIMessageChunk[] {
  const merged: UIMessageChunk[] = [];
  for (const chunk of chunks) {
    const last = merged[merged.length - 1];
    const joined = last === undefined ? undefined : joinDeltas(last, chunk);
    if (joined === undefined) merged.push(chunk);
    else merged[merged.length - 1] = joined;
  }
  return merged;
}

function joinDeltas(first: UIMessageChunk, second: UIMessageChunk): UIMessageChunk | undefined {
  if (first.type !== second.type || hasProviderMetadata(first) || hasProviderMetadata(second)) {
    return undefined;
  }
  if (first.type === "tool-input-delta" && second.type === "tool-input-delta") {
    if (first.toolCallId !== second.toolCallId) return undefined;
    return {
      type: first.type,
      toolCallId: first.toolCallId,
      inputTextDelta: first.inputTextDelta + second.inputTextDelta,
    };
  }
  if (
    (first.type === "text-delta" || first.type === "reasoning-delta") &&
    (second.type === "text-delta" || second.type === "reasoning-delta") &&
    first.id === second.id
  ) {
    return { type: first.type, id: first.id, delta: first.delta + second.delta };
  }
  return undefined;
}

function hasProviderMetadata(chunk: UIMessageChunk): boolean {
  return (chunk as { providerMetadata?: unknown }).providerMetadata != null;
}
