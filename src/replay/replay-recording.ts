/**
 * One entry point for any recording: UI message streams are read, provider streams replayed.
 */
import { type ProviderReplayOptions, replayProviderRecording } from "./provider-recording.js";
import { recordingKindOf } from "./recording-kind.js";
import type { RecordedChunk, RecordingFile } from "./types.js";
import { readUiMessageStreamRecording } from "./ui-sse-recording.js";

/**
 * Yields the UI message stream chunks of any recording, with their pacing offsets: a UI message
 * stream recording (`*.sse`) as recorded ({@link readUiMessageStreamRecording}), a provider
 * recording through the real AI SDK ({@link replayProviderRecording}; the provider-only options
 * are ignored for UI recordings). The kind is decided by content ({@link recordingKindOf}).
 *
 * @throws ThreadlineError `bad_request` / `invalid_chunk` naming the file, as the two readers do.
 * @example
 * ```ts
 * for await (const { chunk } of replayRecording({ path, text }, { speed: 2 })) writer.write(chunk);
 * ```
 */
export async function* replayRecording(
  file: RecordingFile,
  options: ProviderReplayOptions = {},
): AsyncGenerator<RecordedChunk> {
  if (recordingKindOf(file) === "ui-message-stream") {
    yield* readUiMessageStreamRecording(file.text, { ...options, path: file.path });
  } else {
    yield* replayProviderRecording(file, options);
  }
}
