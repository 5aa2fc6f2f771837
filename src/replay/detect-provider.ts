/**
 * Which wire API a provider recording speaks (from its content) and which provider recorded it
 * (from its path).
 */
import { recordingError } from "./replay-error.js";
import type { ProviderApi } from "./types.js";

/** What {@link detectProviderApi} found out about a provider recording. */
export interface ProviderDetection {
  /** The wire API, from the events' shapes. */
  api: ProviderApi;
  /**
   * The provider that recorded it, when known: the nearest directory of the path named like an
   * AI SDK provider package (`fixtures/deepseek/x.chunks.txt` → `deepseek`), else the file name's
   * prefix (`mistral-text.chunks.txt` → `mistral`), else a content trait (Mistral's content
   * arrays).
   */
  providerHint: string | undefined;
  /** The model the recording names (`model`, `response.model`, `message.model`, …). */
  modelId: string | undefined;
}

/** Provider names as the vercel/ai packages spell them (`@ai-sdk/<name>`), longest first. */
const KNOWN_PROVIDERS = [
  "openai-compatible",
  "open-responses",
  "amazon-bedrock",
  "google-vertex",
  "moonshotai",
  "perplexity",
  "anthropic",
  "cerebras",
  "deepseek",
  "alibaba",
  "mistral",
  "cohere",
  "google",
  "openai",
  "azure",
  "groq",
  "xai",
];

const ANTHROPIC_TYPES = new Set([
  "message_start",
  "message_delta",
  "message_stop",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "ping",
]);
const COHERE_TYPES = new Set([
  "message-start",
  "message-end",
  "content-start",
  "content-delta",
  "content-end",
  "tool-plan-delta",
  "tool-call-start",
  "tool-call-delta",
  "tool-call-end",
  "citation-start",
  "citation-end",
]);
const BEDROCK_KEYS = [
  "messageStart",
  "contentBlockStart",
  "contentBlockDelta",
  "contentBlockStop",
  "messageStop",
  "metadata",
];

/**
 * Detects the wire API of a provider recording from its events, and the recording provider from
 * its path. Events that fit no API (such as a bare `{"type":"error"}`) are neutral; the others
 * must all agree.
 *
 * @param events - the recording's events, parsed (`readProviderEvents`).
 * @param path - the recording's path, for the provider hint and errors.
 * @throws ThreadlineError `bad_request` naming the file when no event has a known shape ("unknown
 *   provider format"), or when events of two APIs are mixed.
 * @example
 * ```ts
 * const events = [{ type: "message_start", message: { model: "claude-x" } }];
 * detectProviderApi(events, "anthropic/a.chunks.txt");
 * // { api: "anthropic-messages", providerHint: "anthropic", modelId: "claude-x" }
 * ```
 */
export function detectProviderApi(
  events: readonly Record<string, unknown>[],
  path: string,
): ProviderDetection {
  let api: ProviderApi | undefined;
  for (const [index, event] of events.entries()) {
    const eventApi = apiOfEvent(event);
    if (eventApi === undefined || eventApi === api) continue;
    if (api !== undefined) {
      throw recordingError(path, `event ${index} is ${eventApi} but earlier events are ${api}`);
    }
    api = eventApi;
  }
  if (api === undefined) {
    throw recordingError(
      path,
      "unknown provider format: no event looks like OpenAI Chat Completions, OpenAI Responses, " +
        "OpenAI Completions, Anthropic Messages, Gemini, Gemini Interactions, Cohere or Bedrock " +
        `(first event: ${JSON.stringify(events[0]).slice(0, 80)})`,
    );
  }
  return {
    api,
    providerHint: providerOfPath(path) ?? providerOfContent(api, events),
    modelId: modelIdOf(events),
  };
}

/** The wire API one event belongs to, or `undefined` when its shape is not specific. */
function apiOfEvent(event: Record<string, unknown>): ProviderApi | undefined {
  const { type } = event;
  if (typeof type === "string") {
    if (type.startsWith("response.")) return "openai-responses";
    if (ANTHROPIC_TYPES.has(type)) return "anthropic-messages";
    if (COHERE_TYPES.has(type)) return "cohere-chat";
  }
  if (typeof event.event_type === "string") return "google-interactions";
  if (event.object === "chat.completion.chunk") return "openai-chat";
  if (event.object === "text_completion") return "openai-completion";
  if ("candidates" in event || "usageMetadata" in event || "promptFeedback" in event) {
    return "google-generate-content";
  }
  if (BEDROCK_KEYS.some((key) => key in event)) return "bedrock-converse";
  if (Array.isArray(event.choices)) {
    const first = event.choices[0] as Record<string, unknown> | undefined;
    return first !== undefined && "text" in first ? "openai-completion" : "openai-chat";
  }
  return undefined;
}

function providerOfPath(path: string): string | undefined {
  const segments = path.split(/[\\/]/).filter((segment) => segment !== "");
  const fileName = segments.pop() ?? "";
  const directory = segments.reverse().find((segment) => KNOWN_PROVIDERS.includes(segment));
  return directory ?? KNOWN_PROVIDERS.find((name) => fileName.startsWith(`${name}-`));
}

/** Mistral sends `delta.content` as an array of typed items (thinking, text). */
function providerOfContent(
  api: ProviderApi,
  events: readonly Record<string, unknown>[],
): string | undefined {
  if (api !== "openai-chat") return undefined;
  const hasContentArray = events.some((event) =>
    (Array.isArray(event.choices) ? event.choices : []).some((choice: unknown) =>
      Array.isArray((choice as { delta?: { content?: unknown } })?.delta?.content),
    ),
  );
  return hasContentArray ? "mistral" : undefined;
}

function modelIdOf(events: readonly Record<string, unknown>[]): string | undefined {
  for (const event of events) {
    const candidates = [
      event.model,
      event.modelVersion,
      (event.response as Record<string, unknown> | undefined)?.model,
      (event.message as Record<string, unknown> | undefined)?.model,
      (event.interaction as Record<string, unknown> | undefined)?.model,
    ];
    const modelId = candidates.find((value) => typeof value === "string" && value !== "");
    if (typeof modelId === "string") return modelId;
  }
  return undefined;
}
