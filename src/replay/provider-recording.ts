/**
 * Replaying a recorded provider stream through the real AI SDK: the provider's own model parses
 * it, `streamText` runs it and `toUIMessageStream` yields the UI chunks (no parser of our own).
 */
import { streamText, type ToolSet } from "ai";
import { parseChunk } from "../message/chunk-schema.js";
import { calledToolNames, declareTools } from "./called-tools.js";
import { eventOffsets } from "./pacing.js";
import { recordingError } from "./replay-error.js";
import { createReplayFetch } from "./replay-fetch.js";
import {
  type ProviderPlanOptions,
  type ProviderReplayPlan,
  planProviderReplay,
} from "./replay-plan.js";
import type { PacingOptions, RecordedChunk, RecordingFile } from "./types.js";

/** Options of {@link replayProviderRecording}. */
export interface ProviderReplayOptions extends PacingOptions, ProviderPlanOptions {
  /** The assistant message id of the `start` chunk. Default: {@link defaultMessageId}. */
  messageId?: string;
  /** `toUIMessageStream({ sendSources })`. Default `true` (the AI SDK's default is `false`). */
  sendSources?: boolean;
  /** `toUIMessageStream({ sendReasoning })`. Default `true`, as in the AI SDK. */
  sendReasoning?: boolean;
  /**
   * Turns a stream error into the `error` chunk's `errorText` (`toUIMessageStream({ onError })`).
   * Default: the error's message (the AI SDK's default hides it as "An error occurred.").
   */
  errorText?: (error: unknown) => string;
}

/**
 * Replays a provider recording (`*.chunks.txt`: one provider SSE `data:` JSON payload per line, or
 * an SSE-framed body) through the real AI SDK and yields the UI message stream chunks it produces.
 *
 * The provider model (`createOpenAI({ fetch }).responses(…)`, `createAnthropic`, …, chosen by
 * {@link planProviderReplay}) gets a fetch that ignores the request and answers with the
 * recording; `streamText({ model, prompt: "replay", maxRetries: 0 })` runs it and
 * `result.toUIMessageStream()` gives the chunks. Each chunk is passed through JSON (the wire form:
 * `undefined` fields vanish) and validated (`parseChunk`, SPEC R2). Pacing: a chunk's `sourceIndex`
 * is the provider event the AI SDK had last received when it emitted the chunk, and its
 * `offsetMs = sourceIndex × eventIntervalMs ÷ speed`.
 *
 * Tools: a first run declares none; if the model called tools, a second run declares them
 * ({@link declareTools}: any input, no `execute`) and is the one yielded, so tool calls end at
 * `tool-input-available` as in the recording application instead of the AI SDK's "unavailable
 * tool" `tool-input-error`. Nothing is executed.
 *
 * The replay runs to completion before the first chunk is yielded (a few ms; recordings are
 * small), so a slow consumer cannot skew the event attribution.
 *
 * @throws ThreadlineError `bad_request` naming the file, from {@link planProviderReplay}, for
 *   invalid pacing options, or when the provider requested more than one response.
 * @throws ThreadlineError `invalid_chunk` if the AI SDK emitted a chunk Threadline rejects (a bug).
 *   A recording the provider cannot parse is not an exception: the AI SDK turns it into an
 *   `error` chunk, as it would live.
 * @example
 * ```ts
 * const file = { path, text: await readFile(path, "utf8") };
 * for await (const { chunk, offsetMs } of replayProviderRecording(file, { speed: 4 })) {
 *   console.log(offsetMs, chunk.type);
 * }
 * ```
 */
export async function* replayProviderRecording(
  file: RecordingFile,
  options: ProviderReplayOptions = {},
): AsyncGenerator<RecordedChunk> {
  eventOffsets(options); // validates the pacing options before any work
  const plan = planProviderReplay(file, options);
  const withoutTools = await runReplay(file, plan, {}, options);
  const toolNames = calledToolNames(withoutTools);
  yield* toolNames.length === 0
    ? withoutTools
    : await runReplay(file, plan, declareTools(toolNames), options);
}

/** One run of the recording through `streamText` with the given tools. */
async function runReplay(
  file: RecordingFile,
  plan: ProviderReplayPlan,
  tools: ToolSet,
  options: ProviderReplayOptions,
): Promise<RecordedChunk[]> {
  const offsetOf = eventOffsets(options);
  const replay = createReplayFetch(plan.events.payloads, { appendDone: plan.adapter.appendsDone });
  const model = await plan.adapter.createModel({
    fetch: replay.fetch,
    modelId: plan.modelId ?? "replay",
    providerName: plan.providerName,
    generateId: sequentialIds(),
  });
  const result = streamText({ model, prompt: "replay", tools, maxRetries: 0, onError: () => {} });
  const messageId = options.messageId ?? defaultMessageId(file.path);
  const stream = result.toUIMessageStream({
    generateMessageId: () => messageId,
    sendSources: options.sendSources ?? true,
    sendReasoning: options.sendReasoning ?? true,
    onError: options.errorText ?? errorMessage,
  });

  const chunks: RecordedChunk[] = [];
  for await (const chunk of stream) {
    const sourceIndex = Math.max(0, replay.deliveredEvents() - 1);
    const wire: unknown = JSON.parse(JSON.stringify(chunk));
    const parsed = parseChunk(wire, chunks.length);
    chunks.push({ chunk: parsed, offsetMs: offsetOf(sourceIndex), sourceIndex });
  }
  if (replay.requests.length > 1) {
    throw recordingError(
      file.path,
      `${plan.adapter.id} requested ${replay.requests.length} responses; a recording holds one`,
    );
  }
  return chunks;
}

/** `replay-id-1`, `replay-id-2`, …: the same ids on every run of a recording. */
function sequentialIds(): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `replay-id-${next}`;
  };
}

/**
 * The assistant message id a replay uses by default: `msg-` and the file name without its
 * extension (`.chunks.txt`, `.sse`, `.txt`) and a trailing step number (`.1`), so
 * `openai/openai-error.1.chunks.txt` → `msg-openai-error` (the id the recorded
 * `ui-message-stream/from-*.sse` fixtures carry).
 *
 * @example
 * ```ts
 * defaultMessageId("fixtures/anthropic/anthropic-text.chunks.txt"); // "msg-anthropic-text"
 * ```
 */
export function defaultMessageId(path: string): string {
  const fileName = path.split(/[\\/]/).pop() ?? path;
  const stem = fileName.replace(/(\.chunks)?\.(txt|sse)$/, "").replace(/\.\d+$/, "");
  return `msg-${stem}`;
}

/** The message of an error, whatever its shape (Error, provider stream error object, string). */
function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : JSON.stringify(error);
}
