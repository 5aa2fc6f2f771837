/**
 * Telling a UI message stream recording from a provider recording, by content.
 */
import { parseChunk } from "../message/chunk-schema.js";
import { DONE_SENTINEL, isSseFramed, sseDataPayloads } from "./sse-events.js";
import type { RecordingFile, RecordingKind } from "./types.js";

/**
 * Whether a file records an AI SDK UI message stream or a provider stream. A file is a UI message
 * stream when it is SSE-framed and its first `data:` payload (besides `[DONE]`) is a valid UI
 * chunk (`parseChunk`); anything else, including an SSE-framed provider body
 * (`openai-compatible/anthropic-fallback-tool-call.sse`), is a provider recording. The extension is
 * not trusted.
 *
 * @example
 * ```ts
 * recordingKindOf({ path: "x.sse", text: 'data: {"type":"start"}\n\n' }); // "ui-message-stream"
 * recordingKindOf({ path: "x.chunks.txt", text: '{"type":"message_start"}\n' }); // "provider"
 * ```
 */
export function recordingKindOf(file: RecordingFile): RecordingKind {
  if (!isSseFramed(file.text)) return "provider";
  const first = sseDataPayloads(file.text).find((data) => data !== DONE_SENTINEL);
  if (first === undefined) return "provider";
  try {
    parseChunk(JSON.parse(first), 0);
    return "ui-message-stream";
  } catch {
    return "provider";
  }
}
