/**
 * Terminal states and write classes of chunks: finalizing a message (SPEC R16), classifying chunks
 * for the coalescing writer (R3, R4) and merging buffered deltas (R3, R9).
 */
import type { UIMessageChunk } from "./chunk-types.js";
import type { MessageStatus, ToolApproval, ToolState, UIMessage, UIMessagePart } from "./types.js";

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
 * `input-available`, `approval-requested`, `approval-responded`) gets a synthetic result, so the
 * history always replays to a model and passes `ai`'s `validateUIMessages`:
 * - `state: "output-error"` with `errorText` (the given text, else a default saying the message was
 *   aborted or failed before the call completed). The input is kept; an `input-streaming` call keeps
 *   the input parsed so far (and its `rawInput`, which `ai`'s `convertToModelMessages` falls back
 *   on). An approval that was requested but never answered is dropped (an `output-error` part may
 *   only carry a granted approval); a granted one is kept.
 * - A call whose approval was refused (`approval-responded`, `approved: false`) becomes
 *   `output-denied` instead, as the `tool-output-denied` chunk would have made it.
 *
 * Everything else, partial text included, is kept as it is. On `completed` nothing changes: a call
 * awaiting a client-side result stays `input-available`.
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
    parts ??= message.parts.slice();
    parts[index] = resolveToolCall(part, text);
  });
  return parts === undefined ? message : { ...message, parts };
}

type ToolCallPart = Extract<UIMessagePart, { toolCallId: string }>;

function resolveToolCall(part: ToolCallPart, errorText: string): ToolCallPart {
  const {
    inputEncoding: _encoding,
    approval,
    ...rest
  } = part as ToolCallPart & {
    inputEncoding?: unknown;
    approval?: ToolApproval;
  };
  if (approval?.approved === false) {
    return { ...rest, approval, state: "output-denied" } as ToolCallPart;
  }
  const granted = approval?.approved === true ? { approval } : {};
  return { ...rest, ...granted, state: "output-error", errorText } as ToolCallPart;
}

function isUnresolvedToolCall(part: UIMessagePart): part is ToolCallPart {
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
 * Merges runs of adjacent deltas (SPEC R3, R9: fewer, larger log entries): `text-delta`s and
 * `reasoning-delta`s with the same `id` become one chunk, as long as no chunk of the run carries
 * `providerMetadata`. A run of `tool-input-delta`s with the same `toolCallId` becomes two chunks:
 * all but the last merged, then the last as it was, because `ai` builds a tool part that a delta
 * creates (a dynamic call's first delta in a new step) without `rawInput` and only adds it on the
 * next delta. Folding the result gives the same message and state as folding `chunks`. Pure;
 * chunks that are not merged are returned as they are.
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
  // Each run is its merged head plus, for tool input, the run's last chunk kept apart.
  const runs: Array<{ head: UIMessageChunk; tail?: UIMessageChunk }> = [];
  for (const chunk of chunks) {
    const run = runs[runs.length - 1];
    if (run === undefined || !continuesRun(run.tail ?? run.head, chunk)) {
      runs.push({ head: chunk });
    } else if (chunk.type !== "tool-input-delta") {
      run.head = joinDeltas(run.head, chunk);
    } else {
      if (run.tail !== undefined) run.head = joinDeltas(run.head, run.tail);
      run.tail = chunk;
    }
  }
  return runs.flatMap(({ head, tail }) => (tail === undefined ? [head] : [head, tail]));
}

function continuesRun(previous: UIMessageChunk, next: UIMessageChunk): boolean {
  if (previous.type !== next.type || hasProviderMetadata(previous) || hasProviderMetadata(next)) {
    return false;
  }
  if (previous.type === "tool-input-delta" && next.type === "tool-input-delta") {
    return previous.toolCallId === next.toolCallId;
  }
  return (
    (previous.type === "text-delta" || previous.type === "reasoning-delta") &&
    (next.type === "text-delta" || next.type === "reasoning-delta") &&
    previous.id === next.id
  );
}

/** Concatenates two deltas of one run (`continuesRun` holds). */
function joinDeltas(first: UIMessageChunk, second: UIMessageChunk): UIMessageChunk {
  if (first.type === "tool-input-delta" && second.type === "tool-input-delta") {
    return {
      type: first.type,
      toolCallId: first.toolCallId,
      inputTextDelta: first.inputTextDelta + second.inputTextDelta,
    };
  }
  const a = first as Extract<UIMessageChunk, { type: "text-delta" | "reasoning-delta" }>;
  const b = second as typeof a;
  return { type: a.type, id: a.id, delta: a.delta + b.delta };
}

function hasProviderMetadata(chunk: UIMessageChunk): boolean {
  return (chunk as { providerMetadata?: unknown }).providerMetadata != null;
}
