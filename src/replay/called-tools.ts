/**
 * The tools a replayed model called, declared the way the recording application must have
 * declared them.
 */
import { jsonSchema, type ToolSet, tool } from "ai";
import type { RecordedChunk } from "./types.js";

/**
 * Names of the tools to declare after a replay without tools: every tool the model called that the
 * application runs (not provider-executed), and every tool the AI SDK rejected as unavailable
 * (`tool-input-error`, including provider-executed ones it only accepts when declared, such as
 * OpenAI's `programmatic_tool_calling`).
 *
 * @example
 * ```ts
 * const start = { type: "tool-input-start", toolCallId: "c1", toolName: "weather" } as const;
 * calledToolNames([{ chunk: start, offsetMs: 0, sourceIndex: 0 }]); // ["weather"]
 * ```
 */
export function calledToolNames(chunks: readonly RecordedChunk[]): string[] {
  const names = new Set<string>();
  for (const { chunk } of chunks) {
    if (chunk.type === "tool-input-error") names.add(chunk.toolName);
    const isCall = chunk.type === "tool-input-start" || chunk.type === "tool-input-available";
    if (isCall && chunk.providerExecuted !== true) names.add(chunk.toolName);
  }
  return [...names];
}

/**
 * Declares each named tool as the recording application would have: any input accepted (an empty
 * JSON schema) and no `execute`, so `streamText` stops after the step with the calls at
 * `tool-input-available`, as with client-side tools.
 *
 * @example
 * ```ts
 * streamText({ model, prompt, tools: declareTools(["weather"]) });
 * ```
 */
export function declareTools(names: readonly string[]): ToolSet {
  return Object.fromEntries(names.map((name) => [name, tool({ inputSchema: jsonSchema({}) })]));
}
