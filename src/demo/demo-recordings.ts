import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RecordingFile } from "../replay/types.js";

/** Where the shared recorded fixtures live when the project sits beside `shared/`. */
export const SHARED_FIXTURES_DIR = "../shared/fixtures";

/** Small samples the project ships, used when the shared fixtures are not there. */
export const SHIPPED_SAMPLES_DIR = "examples/recordings";

/**
 * The demo's default set from the shared fixtures: real provider recordings of several APIs (text,
 * reasoning, tool calls, a provider error) and AI SDK UI message streams (a two-step tool loop, data
 * parts with an error, an abort).
 */
export const DEFAULT_FIXTURES = [
  "openai/openai-text.chunks.txt",
  "openai/openai-error.1.chunks.txt",
  "anthropic/anthropic-text.chunks.txt",
  "anthropic/anthropic-tool-no-args.chunks.txt",
  "google/google-reasoning.chunks.txt",
  "deepseek/deepseek-reasoning.chunks.txt",
  "cohere/cohere-tool-call.chunks.txt",
  "mistral/mistral-text.chunks.txt",
  "xai/xai-text-with-reasoning-streaming.1.chunks.txt",
  "ui-message-stream/streamtext-reasoning-tool-2steps.sse",
  "ui-message-stream/createuimessagestream-data-metadata-error.sse",
  "ui-message-stream/streamtext-aborted-midstream.sse",
] as const;

const SHIPPED_SAMPLES = ["openai/haiku.chunks.txt", "weather-tool.sse"] as const;

/**
 * Loads the recordings to replay: the given paths, else {@link DEFAULT_FIXTURES} from the shared
 * fixtures when they exist, else the shipped samples.
 * @throws the fs error of a path that cannot be read.
 */
export async function loadDemoRecordings(paths: readonly string[] = []): Promise<{
  source: string;
  files: RecordingFile[];
}> {
  if (paths.length > 0) return { source: "command line", files: await readAll(paths) };
  if (existsSync(SHARED_FIXTURES_DIR)) {
    const files = DEFAULT_FIXTURES.map((f) => join(SHARED_FIXTURES_DIR, f)).filter((p) =>
      existsSync(p),
    );
    if (files.length > 0)
      return { source: resolve(SHARED_FIXTURES_DIR), files: await readAll(files) };
  }
  return {
    source: resolve(SHIPPED_SAMPLES_DIR),
    files: await readAll(SHIPPED_SAMPLES.map((f) => join(SHIPPED_SAMPLES_DIR, f))),
  };
}

async function readAll(paths: readonly string[]): Promise<RecordingFile[]> {
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, "utf8") })));
}
