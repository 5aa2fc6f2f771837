/**
 * `replay/`: turns recordings into the AI SDK UI message stream chunks the real AI SDK produces.
 * UI message stream recordings (`*.sse`) are read as they are; provider recordings
 * (`*.chunks.txt`) are replayed through the provider's own AI SDK model, `streamText` and
 * `toUIMessageStream` (no provider parsing of our own). Recordings carry no timestamps: each
 * chunk gets an `offsetMs` from a configurable pace, and `paceChunks` plays them at that pace.
 */

export { type AiSdkResult, aiSdkFinalMessage } from "./ai-sdk-result.js";
export { calledToolNames, declareTools } from "./called-tools.js";
export { detectProviderApi, type ProviderDetection } from "./detect-provider.js";
export {
  classifyRecording,
  listRecordings,
  type ProviderRecordingEntry,
  type RecordingEntry,
  type UiRecordingEntry,
  type UnsupportedRecordingEntry,
} from "./list-recordings.js";
export {
  DEFAULT_EVENT_INTERVAL_MS,
  eventOffsets,
  type PaceOptions,
  paceChunks,
} from "./pacing.js";
export {
  type AdapterChoice,
  type AdapterMatch,
  chooseAdapter,
  type ModelSettings,
  PROVIDER_ADAPTERS,
  type ProviderAdapter,
} from "./provider-adapters.js";
export {
  type MalformedEvent,
  type MalformedEventPolicy,
  type ProviderEvents,
  readProviderEvents,
} from "./provider-events.js";
export {
  defaultMessageId,
  type ProviderReplayOptions,
  replayProviderRecording,
} from "./provider-recording.js";
export { recordingKindOf } from "./recording-kind.js";
export { createReplayFetch, type ReplayFetch, type ReplayFetchOptions } from "./replay-fetch.js";
export {
  type ProviderPlanOptions,
  type ProviderReplayPlan,
  planProviderReplay,
} from "./replay-plan.js";
export { replayRecording } from "./replay-recording.js";
export type {
  PacingOptions,
  ProviderApi,
  RecordedChunk,
  RecordingFile,
  RecordingKind,
} from "./types.js";
export { readUiMessageStreamRecording, type UiRecordingOptions } from "./ui-sse-recording.js";
