/**
 * Reading recorded AI SDK UI message streams (`*.sse` as sent by `createUIMessageStreamResponse`).
 */
import { isThreadlineError, ThreadlineError } from "../errors.js";
import { parseChunkJson } from "../message/chunk-schema.js";
import type { UIMessageChunk } from "../message/types.js";
import { eventOffsets } from "./pacing.js";
import { recordingError } from "./replay-error.js";
import { DONE_SENTINEL, sseDataPayloads } from "./sse-events.js";
import type { PacingOptions, RecordedChunk } from "./types.js";

/** Options of {@link readUiMessageStreamRecording}. */
export interface UiRecordingOptions extends PacingOptions {
  /** Names the file in errors (default `"<ui message stream>"`). */
  path?: string;
}

/**
 * Parses a recorded UI message stream into its chunks, the way the AI SDK client reads one
 * (protocol §1): SSE via `eventsource-parser`, only `data` is used, `[DONE]` and comments are
 * skipped, and every other payload must be a valid chunk (`parseChunkJson`, SPEC R2). Chunk `i`
 * gets `sourceIndex: i` and `offsetMs: i × eventIntervalMs ÷ speed`.
 *
 * @param text - the whole `.sse` file.
 * @returns the chunks in order, with their offsets.
 * @throws ThreadlineError `invalid_chunk` (message prefixed with the path, `details.path` set)
 *   when a payload is not JSON or not a valid chunk; `details.chunkIndex` counts chunks from 0,
 *   `[DONE]` excluded.
 * @throws ThreadlineError `bad_request` when the file holds no chunk, or the pacing options are
 *   invalid.
 * @example
 * ```ts
 * const chunks = readUiMessageStreamRecording('data: {"type":"start"}\n\ndata: [DONE]\n\n');
 * // [{ chunk: { type: "start" }, offsetMs: 0, sourceIndex: 0 }]
 * ```
 */
export function readUiMessageStreamRecording(
  text: string,
  options: UiRecordingOptions = {},
): RecordedChunk[] {
  const path = options.path ?? "<ui message stream>";
  const offsetOf = eventOffsets(options);
  const payloads = sseDataPayloads(text).filter((data) => data !== DONE_SENTINEL);
  if (payloads.length === 0) {
    throw recordingError(path, "no UI message stream chunk (no SSE `data:` event besides [DONE])");
  }
  return payloads.map((data, index) => ({
    chunk: parseWithPath(data, index, path),
    offsetMs: offsetOf(index),
    sourceIndex: index,
  }));
}

function parseWithPath(data: string, index: number, path: string): UIMessageChunk {
  try {
    return parseChunkJson(data, index);
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    throw new ThreadlineError(error.code, `${path}: ${error.message}`, {
      cause: error.cause,
      details: { path, ...error.details },
    });
  }
}
