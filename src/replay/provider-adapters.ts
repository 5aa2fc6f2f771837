/**
 * The AI SDK provider models a recording can be replayed through, one entry per (provider, wire
 * API). Differences between providers are data (`appendsDone`), not branches in the replayer.
 *
 * The provider packages are optional peer dependencies, imported when a recording of theirs is
 * replayed: the library, the HTTP app and `threadline serve` never load them.
 */
import type { LanguageModel } from "ai";
import { ThreadlineError } from "../errors.js";
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
  /**
   * Imports {@link packageName} and builds the model with the given fetch (the API key is a
   * placeholder).
   * @throws ThreadlineError `bad_request` naming the package to install when it is missing.
   */
  createModel(settings: ModelSettings): Promise<LanguageModel>;
}

const API_KEY = "replay";

/** The provider packages, each imported on first use (literal specifiers, so they stay typed). */
const PACKAGES = {
  anthropic: () => importProvider("@ai-sdk/anthropic", () => import("@ai-sdk/anthropic")),
  cohere: () => importProvider("@ai-sdk/cohere", () => import("@ai-sdk/cohere")),
  deepseek: () => importProvider("@ai-sdk/deepseek", () => import("@ai-sdk/deepseek")),
  google: () => importProvider("@ai-sdk/google", () => import("@ai-sdk/google")),
  groq: () => importProvider("@ai-sdk/groq", () => import("@ai-sdk/groq")),
  mistral: () => importProvider("@ai-sdk/mistral", () => import("@ai-sdk/mistral")),
  openai: () => importProvider("@ai-sdk/openai", () => import("@ai-sdk/openai")),
  openaiCompatible: () =>
    importProvider("@ai-sdk/openai-compatible", () => import("@ai-sdk/openai-compatible")),
  xai: () => importProvider("@ai-sdk/xai", () => import("@ai-sdk/xai")),
};

/** Every adapter, most specific first; the first one per API is that API's generic fallback. */
export const PROVIDER_ADAPTERS: readonly ProviderAdapter[] = [
  {
    id: "openai-compatible.chat",
    provider: "openai-compatible",
    api: "openai-chat",
    packageName: "@ai-sdk/openai-compatible",
    appendsDone: true,
    createModel: async ({ fetch, modelId, providerName }) =>
      (await PACKAGES.openaiCompatible())
        .createOpenAICompatible({
          name: providerName,
          baseURL: "https://replay.invalid/v1",
          apiKey: API_KEY,
          fetch,
        })
        .chatModel(modelId),
  },
  {
    id: "openai.responses",
    provider: "openai",
    api: "openai-responses",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.openai()).createOpenAI({ apiKey: API_KEY, fetch }).responses(modelId),
  },
  {
    id: "openai.chat",
    provider: "openai",
    api: "openai-chat",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.openai()).createOpenAI({ apiKey: API_KEY, fetch }).chat(modelId),
  },
  {
    id: "openai.completion",
    provider: "openai",
    api: "openai-completion",
    packageName: "@ai-sdk/openai",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.openai()).createOpenAI({ apiKey: API_KEY, fetch }).completion(modelId),
  },
  {
    id: "anthropic.messages",
    provider: "anthropic",
    api: "anthropic-messages",
    packageName: "@ai-sdk/anthropic",
    appendsDone: true,
    createModel: async ({ fetch, modelId, generateId }) =>
      (await PACKAGES.anthropic())
        .createAnthropic({ apiKey: API_KEY, fetch, generateId })
        .messages(modelId),
  },
  {
    id: "google.generative-ai",
    provider: "google",
    api: "google-generate-content",
    packageName: "@ai-sdk/google",
    appendsDone: false,
    createModel: async ({ fetch, modelId, generateId }) =>
      (await PACKAGES.google())
        .createGoogle({ apiKey: API_KEY, fetch, generateId })
        .languageModel(modelId),
  },
  {
    id: "google.interactions",
    provider: "google",
    api: "google-interactions",
    packageName: "@ai-sdk/google",
    appendsDone: false,
    createModel: async ({ fetch, modelId, generateId }) =>
      (await PACKAGES.google())
        .createGoogle({ apiKey: API_KEY, fetch, generateId })
        .interactions(modelId),
  },
  {
    id: "cohere.chat",
    provider: "cohere",
    api: "cohere-chat",
    packageName: "@ai-sdk/cohere",
    appendsDone: false,
    createModel: async ({ fetch, modelId, generateId }) =>
      (await PACKAGES.cohere())
        .createCohere({ apiKey: API_KEY, fetch, generateId })
        .languageModel(modelId),
  },
  {
    id: "mistral.chat",
    provider: "mistral",
    api: "openai-chat",
    packageName: "@ai-sdk/mistral",
    appendsDone: true,
    createModel: async ({ fetch, modelId, generateId }) =>
      (await PACKAGES.mistral())
        .createMistral({ apiKey: API_KEY, fetch, generateId })
        .chat(modelId),
  },
  {
    id: "groq.chat",
    provider: "groq",
    api: "openai-chat",
    packageName: "@ai-sdk/groq",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.groq()).createGroq({ apiKey: API_KEY, fetch }).languageModel(modelId),
  },
  {
    id: "deepseek.chat",
    provider: "deepseek",
    api: "openai-chat",
    packageName: "@ai-sdk/deepseek",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.deepseek()).createDeepSeek({ apiKey: API_KEY, fetch }).chat(modelId),
  },
  {
    id: "xai.responses",
    provider: "xai",
    api: "openai-responses",
    packageName: "@ai-sdk/xai",
    appendsDone: true,
    createModel: async ({ fetch, modelId }) =>
      (await PACKAGES.xai()).createXai({ apiKey: API_KEY, fetch }).responses(modelId),
  },
];

/**
 * Imports an optional provider package; `load` is `() => import(packageName)`.
 *
 * @throws ThreadlineError `bad_request` naming the package to install when it is not installed.
 * @example
 * ```ts
 * const { createOpenAI } = await importProvider("@ai-sdk/openai", () => import("@ai-sdk/openai"));
 * ```
 */
export async function importProvider<T>(packageName: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, packageName)) throw error;
    throw new ThreadlineError(
      "bad_request",
      `replaying this recording needs the AI SDK provider package ${packageName}: npm install ${packageName}`,
      { cause: error, details: { packageName } },
    );
  }
}

/** Node's "cannot find package" error for `packageName` itself (not for a file inside it). */
function isMissingPackage(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: unknown };
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
    error.message.includes(`'${packageName}'`)
  );
}

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
