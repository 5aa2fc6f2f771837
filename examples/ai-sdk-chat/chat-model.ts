import type { LanguageModel } from "ai";
import {
  createSlowMockModel,
  type MockModelStats,
  type SlowMockModelOptions,
} from "./slow-mock-model.js";

/** The model the example chats with, and the mock's stats when it is the mock. */
export interface ChatModel {
  model: LanguageModel;
  /** The mock model's counters; `null` for a real provider. */
  stats: MockModelStats | null;
}

/**
 * OpenAI (`OPENAI_MODEL`, default `gpt-4o-mini`) when `OPENAI_API_KEY` is set, else the slow mock
 * model from `ai/test`, which needs no network and streams a fixed answer.
 *
 * @example
 * ```ts
 * const { model, stats } = await chooseChatModel(process.env, { chunkDelayMs: 30 });
 * ```
 */
export async function chooseChatModel(
  env: Record<string, string | undefined>,
  mock: SlowMockModelOptions = {},
): Promise<ChatModel> {
  if (env.OPENAI_API_KEY) {
    const { openai } = await import("@ai-sdk/openai");
    return { model: openai(env.OPENAI_MODEL ?? "gpt-4o-mini"), stats: null };
  }
  return createSlowMockModel(mock);
}
