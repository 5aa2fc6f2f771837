/**
 * The AI SDK provider models a recording can be replayed through, one entry per (provider, wire
 * API). Differences between providers are data (`appendsDone`), not branches in the replayer.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createCohere } from "@ai-sdk/cohere";
import { createDeepSeek } from "@ai-sdk/deepseek";
import { createGoogle } from "@ai-sdk/google";
import { createGroq } from "@ai-sdk/groq";
import { createMistral } from "@ai-sdk/mistral";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createXai } from "@ai-sdk/xai";
import type { LanguageModel } from "ai";
import type { ProviderApi } from "./types.js";

/** What an adapter needs to build its model. */
export interface ModelSettings {
  /** Answers every request of the model (the replay fetch). */
  fetch: typeof globalThis.fetch;
  /** Model id passed to the provider; only shapes the (ignored) request. */
  modelId: string;
  /** Provider name for adapters that take one (`createOpenAICompatible({ name })`). */
  providerName: string;
  /**
   * Ids the provider generates itself (e.g. Gemini tool call ids, which the API does not send),
   * for the providers that accept a generator (Anthropic, Google, Mistral, Cohere); the others
   * generate random ids.
   */
  generateId: () => string;
}

/** One real AI SDK provider model that parses one wire API. */
export interface ProviderAdapter {
  /** `<provider>.<model kind>`, e.g. `openai.responses`. */
  readonly id: string;
  /** The provider it belongs to, as in `@ai-sdk/<provider>` and fixture directory names. */
  readonly provider: string;
  /** The wire API its model parses. */
  readonly api: ProviderApi;
  /** The npm package that implements it. */
  readonly packageName: string;
  /**
   * Whether the replayed body ends with `data: [DONE]`: yes for OpenAI-style APIs and Anthropic
   * (as the vercel/ai fixture tests replay them), no for Google and Cohere. The AI SDK's SSE parser
   * skips `[DONE]` either way.
   */
  readonly appendsDone: boolean;
  /** Builds the model with the given fetch (the API key is a placeholder). */
  createModel(settings: ModelSettings): LanguageModel;
}

const API_KEY = "replay";

/** Every adapter, most specific first; the first one per API is that API's generic fallback. */
export const PROVIDER_ADAPTERS: readonly ProviderAdapter[] = [
  {
    id: "openai-compatible.chat",
    provider: "openai-compatible",
    api: "openai-chat",
    packageName: "@ai-sdk/openai-compatible",
    appendsDone: true,
    createModel: ({ fetch, modelId, providerName }) =>
      createOpenAICompatible({
        name: providerName,
        baseURL: "https://replay.invalid/v1",
        apiKey: API_KEY,
        fetch,
      }).chatModel(modelId),
  },
  {
    id: "openai.responses",
    provider: "openai",
    api: "openai-responses",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: ({ fetch, modelId }) =>
      createOpenAI({ apiKey: API_KEY, fetch }).responses(modelId),
  },
  {
    id: "openai.chat",
    provider: "openai",
    api: "openai-chat",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: ({ fetch, modelId }) => createOpenAI({ apiKey: API_KEY, fetch }).chat(modelId),
  },
  {
    id: "openai.completion",
    provider: "openai",
    api: "openai-completion",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: ({ fetch, modelId }) =>
      createOpenAI({ apiKey: API_KEY, fetch }).completion(modelId),
  },
  {
    id: "anthropic.messages",
    provider: "anthropic",
    api: "anthropic-messages",
    packageName: "@ai-sdk/anthropic",
    appendsDone: true,
    createModel: ({ fetch, modelId, generateId }) =>
      createAnthropic({ apiKey: API_KEY, fetch, generateId }).messages(modelId),
  },
  {
    id: "google.generative-ai",
    provider: "google",
    api: "google-generate-content",
    packageName: "@ai-sdk/google",
    appendsDone: false,
    createModel: ({ fetch, modelId, generateId }) =>
      createGoogle({ apiKey: API_KEY, fetch, generateId }).languageModel(modelId),
  },
  {
    id: "google.interactions",
    provider: "google",
    api: "google-interactions",
    packageName: "@ai-sdk/google",
    appendsDone: false,
    createModel: ({ fetch, modelId, generateId }) =>
      createGoogle({ apiKey: API_KEY, fetch, generateId }).interactions(modelId),
  },
  {
    id: "cohere.chat",
    provider: "cohere",
    api: "cohere-chat",
    packageName: "@ai-sdk/cohere",
    appendsDone: false,
    createModel: ({ fetch, modelId, generateId }) =>
      createCohere({ apiKey: API_KEY, fetch, generateId }).languageModel(modelId),
  },
  {
    id: "mistral.chat",
    provider: "mistral",
    api: "openai-chat",
    packageName: "@ai-sdk/mistral",
    appendsDone: true,
    createModel: ({ fetch, modelId, generateId }) =>
      createMistral({ apiKey: API_KEY, fetch, generateId }).chat(modelId),
  },
  {
    id: "groq.chat",
    provider: "groq",
    api: "openai-chat",
    packageName: "@ai-sdk/groq",
    appendsDone: true,
    createModel: ({ fetch, modelId }) =>
      createGroq({ apiKey: API_KEY, fetch }).languageModel(modelId),
  },
  {
    id: "deepseek.chat",
    provider: "deepseek",
    api: "openai-chat",
    packageName: "@ai-sdk/deepseek",
    appendsDone: true,
    createModel: ({ fetch, modelId }) => createDeepSeek({ apiKey: API_KEY, fetch }).chat(modelId),
  },
  {
    id: "xai.responses",
    provider: "xai",
    api: "openai-responses",
    packageName: "@ai-sdk/xai",
    appendsDone: true,
    createModel: ({ fetch, modelId }) => createXai({ apiKey: API_KEY, fetch }).responses(modelId),
  },
];

/** How an adapter was chosen: the recording provider's own, or the API's generic fallback. */
export type AdapterMatch = "provider" | "generic";

/** The adapter chosen for a recording, and the provider name to give it. */
export interface AdapterChoice {
  adapter: ProviderAdapter;
  match: AdapterMatch;
  providerName: string;
}

/**
 * Chooses the adapter for a wire API and provider hint: the hinted provider's own adapter for that
 * API when there is one (`match: "provider"`), else the API's generic one (`match: "generic"`:
 * `openai-compatible` for Chat Completions, `openai.responses` for Responses, the only adapter for
 * the others), else `undefined` (no installed provider parses that API, e.g. Bedrock).
 *
 * @example
 * ```ts
 * chooseAdapter("openai-chat", "deepseek")?.adapter.id; // "deepseek.chat"
 * chooseAdapter("openai-chat", "alibaba")?.adapter.id; // "openai-compatible.chat" (generic)
 * ```
 */
export function chooseAdapter(
  api: ProviderApi,
  providerHint: string | undefined,
): AdapterChoice | undefined {
  const own = PROVIDER_ADAPTERS.find((a) => a.api === api && a.provider === providerHint);
  if (own) return { adapter: own, match: "provider", providerName: own.provider };
  const generic = PROVIDER_ADAPTERS.find((a) => a.api === api);
  if (!generic) return undefined;
  return { adapter: generic, match: "generic", providerName: providerHint ?? generic.provider };
}
