/**
 * Shared shapes of the replay subsystem: recordings, the wire APIs they speak and the replayed
 * chunks with their pacing offsets.
 */
import type { UIMessageChunk } from "../message/types.js";

/** A recording to replay: where it came from (for errors and provider hints) and its text. */
export interface RecordingFile {
  /** Path of the file; only its directory and file names are used (provider hint, message id). */
  path: string;
  /** The whole file content (UTF-8). */
  text: string;
}

/**
 * The wire API a provider recording speaks, detected from its content (`detectProviderApi`):
 * - `openai-chat`: OpenAI Chat Completions and compatibles (`chat.completion.chunk`,
 *   `choices[].delta`);
 * - `openai-completion`: legacy OpenAI Completions (`text_completion`);
 * - `openai-responses`: OpenAI Responses API and compatibles (`response.*` events);
 * - `anthropic-messages`: Anthropic Messages (`message_start`, `content_block_*`, …);
 * - `google-generate-content`: Gemini `streamGenerateContent` (`candidates`, `usageMetadata`);
 * - `google-interactions`: Gemini Interactions API (`event_type`);
 * - `cohere-chat`: Cohere v2 chat (`message-start`, `content-delta`, `tool-call-*`, …);
 * - `bedrock-converse`: Amazon Bedrock ConverseStream (`messageStart`, `contentBlockDelta`, …).
 */
export type ProviderApi =
  | "openai-chat"
  | "openai-completion"
  | "openai-responses"
  | "anthropic-messages"
  | "google-generate-content"
  | "google-interactions"
  | "cohere-chat"
  | "bedrock-converse";

/**
 * One UI message stream chunk of a replay and when to send it.
 *
 * `offsetMs` is the time since the start of the replay at which the chunk is due (recordings carry
 * no timestamps: see `PacingOptions`); offsets never decrease along a replay. `sourceIndex` is the
 * 0-based index of the recorded event the chunk came from: the UI chunk itself for `*.sse` UI
 * recordings, the provider event last delivered to the AI SDK when it emitted the chunk for
 * provider recordings.
 */
export interface RecordedChunk {
  chunk: UIMessageChunk;
  offsetMs: number;
  sourceIndex: number;
}

/**
 * How recorded events are spread over time ("recorded speed"). Recordings have no timestamps, so
 * every recorded event (provider event or UI chunk) is taken to arrive `eventIntervalMs` after the
 * previous one; `speed` divides all offsets (2 = twice as fast).
 */
export interface PacingOptions {
  /** Time between two recorded events at speed 1, in ms. Default 20; must be ≥ 0. */
  eventIntervalMs?: number;
  /** Playback speed multiplier. Default 1; must be > 0 and finite. */
  speed?: number;
}

/** What a recording file is: an AI SDK UI message stream, or a provider's raw stream. */
export type RecordingKind = "ui-message-stream" | "provider";
