/**
 * Deciding how a provider recording is replayed: its events, wire API, provider and adapter.
 */
import { detectProviderApi, type ProviderDetection } from "./detect-provider.js";
import { type AdapterChoice, chooseAdapter } from "./provider-adapters.js";
import {
  type MalformedEventPolicy,
  type ProviderEvents,
  readProviderEvents,
} from "./provider-events.js";
import { recordingError } from "./replay-error.js";
import type { RecordingFile } from "./types.js";

/** How a provider recording will be replayed (see {@link planProviderReplay}). */
export interface ProviderReplayPlan extends ProviderDetection, AdapterChoice {
  events: ProviderEvents;
}

/** Options of {@link planProviderReplay}. */
export interface ProviderPlanOptions {
  /** Events that are not JSON objects: `reject` the file (default) or `send` them verbatim. */
  malformedEvents?: MalformedEventPolicy;
}

/**
 * Reads a provider recording and decides how to replay it: its events, wire API, provider hint,
 * model id and the adapter (real AI SDK provider model) that will parse it.
 *
 * @throws ThreadlineError `bad_request` naming the file: empty file, an event that is not a JSON
 *   object (unless `malformedEvents: "send"`), an unknown or mixed format, or an API no installed
 *   provider parses (Bedrock).
 * @example
 * ```ts
 * planProviderReplay({ path: "openai/openai-text.chunks.txt", text }).adapter.id; // "openai.chat"
 * ```
 */
export function planProviderReplay(
  file: RecordingFile,
  options: ProviderPlanOptions = {},
): ProviderReplayPlan {
  const events = readProviderEvents(file, options.malformedEvents);
  const detection = detectProviderApi(events.values, file.path);
  const choice = chooseAdapter(detection.api, detection.providerHint);
  if (!choice) {
    throw recordingError(file.path, unsupportedReason(detection), {
      details: { api: detection.api },
    });
  }
  return { ...detection, ...choice, events };
}

function unsupportedReason({ api, providerHint }: ProviderDetection): string {
  const recorded = providerHint ? ` (recorded from ${providerHint})` : "";
  if (api === "bedrock-converse") {
    return (
      `unsupported provider API ${api}${recorded}: @ai-sdk/amazon-bedrock reads AWS binary ` +
      "event-stream frames, which this recording format strips, and is not installed"
    );
  }
  return `unsupported provider API ${api}${recorded}: no installed AI SDK provider parses it`;
}
