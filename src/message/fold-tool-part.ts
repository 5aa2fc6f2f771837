/**
 * Finding and writing tool call parts, the shared core of every tool chunk (SPEC R1).
 *
 * The rules follow `ai` 7: a static call (`tool-<name>`) and a dynamic call (`dynamic-tool`) are
 * looked up separately, and only in the current step (after the last `step-start`); when none is
 * found a new part is appended. Writing a part replaces its input/output/error fields with the
 * update's, keeps `title`, `toolMetadata` and `providerExecuted` unless the update has them, and
 * files `providerMetadata` as `resultProviderMetadata` on results, `callProviderMetadata` otherwise.
 */
import { type FoldDraft, rejectChunk } from "./fold-draft.js";
import { lastStepStart } from "./fold-state.js";
import type {
  DynamicToolUIPart,
  JSONObject,
  ProviderMetadata,
  ToolApproval,
  ToolInputEncoding,
  ToolState,
  ToolUIPart,
  UIMessagePart,
} from "./types.js";

/** A static or dynamic tool call part. */
export type AnyToolPart = ToolUIPart | DynamicToolUIPart;

/**
 * A tool part as the fold writes it: any state with any of the state-dependent fields, since `ai`
 * itself leaves fields of earlier states in place (an approval survives a later input update).
 */
export interface WritableToolPart {
  type: string;
  toolName?: string;
  toolCallId: string;
  state: ToolState;
  input?: unknown;
  rawInput?: unknown;
  title?: string;
  toolMetadata?: JSONObject;
  providerExecuted?: boolean;
  callProviderMetadata?: ProviderMetadata;
  approval?: ToolApproval;
}

/** What a tool chunk writes into a tool part. */
export interface ToolPartUpdate {
  toolCallId: string;
  toolName: string;
  state: ToolState;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  rawInput?: unknown;
  inputEncoding?: ToolInputEncoding;
  providerExecuted?: boolean;
  preliminary?: boolean;
  title?: string;
  toolMetadata?: JSONObject;
  providerMetadata?: ProviderMetadata;
}

/** True for `tool-<name>` and `dynamic-tool` parts. */
export function isToolPart(part: UIMessagePart): part is AnyToolPart {
  return part.type === "dynamic-tool" || part.type.startsWith("tool-");
}

/** Index of the first part in the current step that matches, or -1. */
export function findInCurrentStep(
  parts: readonly UIMessagePart[],
  matches: (part: UIMessagePart) => boolean,
): number {
  for (let i = lastStepStart(parts); i < parts.length; i++) {
    if (matches(parts[i] as UIMessagePart)) return i;
  }
  return -1;
}

/**
 * The tool part a result or approval chunk refers to: the first one with `toolCallId` in the
 * current step, else the last one in the whole message.
 *
 * @throws ThreadlineError `chunk_rejected` when the message has no such tool call.
 */
export function findToolCall(draft: FoldDraft, chunkType: string, toolCallId: string): number {
  const parts = draft.parts;
  const sameCall = (part: UIMessagePart) => isToolPart(part) && part.toolCallId === toolCallId;
  const inStep = findInCurrentStep(parts, sameCall);
  if (inStep >= 0) return inStep;
  for (let i = parts.length - 1; i >= 0; i--) {
    if (sameCall(parts[i] as UIMessagePart)) return i;
  }
  throw rejectChunk(chunkType, `no tool call with toolCallId "${toolCallId}" in the message`);
}

/**
 * Writes `update` into the static (`dynamic = false`) or dynamic tool part of its call: the part at
 * `index` when given, else the matching part of the current step, else a new part.
 */
export function upsertToolPart(
  draft: FoldDraft,
  dynamic: boolean,
  update: ToolPartUpdate,
  index?: number,
): void {
  const target =
    index ??
    findInCurrentStep(draft.parts, (part) =>
      dynamic
        ? part.type === "dynamic-tool" && part.toolCallId === update.toolCallId
        : part.type.startsWith("tool-") && (part as ToolUIPart).toolCallId === update.toolCallId,
    );
  if (target < 0) draft.append(newToolPart(dynamic, update));
  else updateToolPart(draft.writablePart<Record<string, unknown>>(target), dynamic, update);
}

function isResultState(state: ToolState): boolean {
  return state === "output-available" || state === "output-error";
}

function updateToolPart(
  fields: Record<string, unknown>,
  dynamic: boolean,
  update: ToolPartUpdate,
): void {
  fields.state = update.state;
  if (dynamic) fields.toolName = update.toolName;
  else fields.type = `tool-${update.toolName}`;
  assign(fields, "input", update.input);
  assign(fields, "output", update.output);
  assign(fields, "errorText", update.errorText);
  assign(fields, "rawInput", update.rawInput);
  assign(fields, "inputEncoding", update.inputEncoding ?? undefined);
  assign(fields, "preliminary", update.preliminary);
  if (update.title !== undefined) fields.title = update.title;
  if (update.toolMetadata !== undefined) fields.toolMetadata = update.toolMetadata;
  assign(fields, "providerExecuted", update.providerExecuted ?? fields.providerExecuted);
  if (update.providerMetadata != null) {
    if (isResultState(update.state)) fields.resultProviderMetadata = update.providerMetadata;
    else fields.callProviderMetadata = update.providerMetadata;
  }
}

function newToolPart(dynamic: boolean, update: ToolPartUpdate): UIMessagePart {
  const part: Record<string, unknown> = dynamic
    ? { type: "dynamic-tool", toolName: update.toolName }
    : { type: `tool-${update.toolName}` };
  part.toolCallId = update.toolCallId;
  part.state = update.state;
  assign(part, "title", update.title);
  assign(part, "toolMetadata", update.toolMetadata);
  assign(part, "input", update.input);
  assign(part, "inputEncoding", update.inputEncoding ?? undefined);
  assign(part, "output", update.output);
  // ai 7 gives a new static part its rawInput but a new dynamic part none.
  if (!dynamic) assign(part, "rawInput", update.rawInput);
  assign(part, "errorText", update.errorText);
  assign(part, "providerExecuted", update.providerExecuted);
  assign(part, "preliminary", update.preliminary);
  if (update.providerMetadata != null) {
    const key = isResultState(update.state) ? "resultProviderMetadata" : "callProviderMetadata";
    part[key] = update.providerMetadata;
  }
  return part as unknown as UIMessagePart;
}

/** Sets `key` to `value`, or removes it for `undefined` (the JSON form of ai's `= undefined`). */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
