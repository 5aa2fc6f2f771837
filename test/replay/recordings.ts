/**
 * Helpers for the replay tests: where the shared recordings are, and how two UI chunk streams are
 * normalized before they are compared.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { UIMessageChunk } from "../../src/message/index.js";
import type { RecordedChunk, RecordingFile } from "../../src/replay/index.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The recordings shared by the project (`../shared/fixtures` from the repo root; never copied). */
export const SHARED_FIXTURES = resolve(REPO_ROOT, "../shared/fixtures");

/** Reads a recording by its path below {@link SHARED_FIXTURES}. */
export function readRecording(relativePath: string): RecordingFile {
  const path = join(SHARED_FIXTURES, relativePath);
  return { path, text: readFileSync(path, "utf8") };
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The bare chunks of a replay. */
export function chunksOf(recorded: readonly RecordedChunk[]): UIMessageChunk[] {
  return recorded.map(({ chunk }) => chunk);
}

/** Fields that hold ids of parts, tool calls, sources and approvals. */
const ID_FIELDS = new Set(["id", "toolCallId", "sourceId", "approvalId"]);

/**
 * Normalizes a chunk stream for comparison with another run of the same provider recording.
 * Exactly two things change; everything else (order, types, text, inputs, provider metadata) is
 * compared as is:
 *
 * 1. Ids generated during the replay. An `id`, `toolCallId`, `sourceId` or `approvalId` whose value
 *    appears nowhere in the provider recording was made up by the adapter, not recorded (Gemini
 *    sends no tool call ids, so `@ai-sdk/google` generates random ones — `replay-id-N` in our
 *    replays). Each such value becomes `generated-<n>`, numbered by first appearance, so the
 *    stream's internal references still have to match.
 * 2. `errorText` loses a leading `<label>: ` (`error: …`). The text is whatever the `onError` of
 *    `toUIMessageStream` returns: the recording script's formatter prefixed `error: `, ours returns
 *    the bare message. The provider's message itself must match.
 */
export function normalizeReplayChunks(
  chunks: readonly UIMessageChunk[],
  recordingText: string,
): UIMessageChunk[] {
  const renamed = new Map<string, string>();
  const rename = (value: string) => {
    if (recordingText.includes(value)) return value;
    if (!renamed.has(value)) renamed.set(value, `generated-${renamed.size + 1}`);
    return renamed.get(value)!;
  };
  return chunks.map((chunk) => {
    const copy: Record<string, unknown> = { ...chunk };
    for (const [key, value] of Object.entries(copy)) {
      if (ID_FIELDS.has(key) && typeof value === "string") copy[key] = rename(value);
    }
    if (typeof copy.errorText === "string") {
      copy.errorText = copy.errorText.replace(/^[A-Za-z_]+: /, "");
    }
    return copy as UIMessageChunk;
  });
}
