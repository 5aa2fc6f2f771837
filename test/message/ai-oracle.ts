/**
 * Test oracle for SPEC R1: the message the real AI SDK's `readUIMessageStream` (ai 5, 6 and 7)
 * builds from a chunk sequence, and helpers to read the recorded SSE fixtures.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readUIMessageStream as readV7 } from "ai";
import { readUIMessageStream as readV5 } from "ai-v5";
import { readUIMessageStream as readV6 } from "ai-v6";
import { createParser } from "eventsource-parser";
import type { UIMessage, UIMessageChunk } from "../../src/message/index.js";

/** The AI SDK major versions the fold is compared with. */
export type AiVersion = "ai5" | "ai6" | "ai7";

type ReadUIMessageStream = (options: {
  message?: unknown;
  stream: ReadableStream<unknown>;
  onError?: (error: unknown) => void;
}) => AsyncIterable<unknown>;

const READERS: Record<AiVersion, ReadUIMessageStream> = {
  ai5: readV5 as unknown as ReadUIMessageStream,
  ai6: readV6 as unknown as ReadUIMessageStream,
  ai7: readV7 as unknown as ReadUIMessageStream,
};

/** Chunk types each version's closed schema knows (besides `data-*`). */
const V5_TYPES = [
  "start",
  "finish",
  "abort",
  "error",
  "message-metadata",
  "start-step",
  "finish-step",
  "text-start",
  "text-delta",
  "text-end",
  "reasoning-start",
  "reasoning-delta",
  "reasoning-end",
  "tool-input-start",
  "tool-input-delta",
  "tool-input-available",
  "tool-input-error",
  "tool-output-available",
  "tool-output-error",
  "source-url",
  "source-document",
  "file",
];
const V6_TYPES = [...V5_TYPES, "tool-approval-request", "tool-output-denied"];

/** True when every chunk's type exists in `version`. */
export function supportsChunks(version: AiVersion, chunks: readonly UIMessageChunk[]): boolean {
  if (version === "ai7") return true;
  const known = version === "ai5" ? V5_TYPES : V6_TYPES;
  return chunks.every((chunk) => chunk.type.startsWith("data-") || known.includes(chunk.type));
}

/** A data chunk appended to every stream: it makes `ai` emit a final snapshot, then is removed. */
const PROBE = { type: "data-threadline-oracle-probe", id: "probe", data: null } as const;

/** What `readUIMessageStream` ended with. */
export interface AiResult {
  /** The message after the last chunk `ai` processed (JSON form). */
  message: UIMessage | undefined;
  /** False when `ai` failed on a chunk and stopped there. */
  completed: boolean;
}

/**
 * Runs `chunks` through `readUIMessageStream` of `version` and returns the final message.
 *
 * `ai` only emits a snapshot on chunks that call its `write()` (not on `start-step`, `finish`, …),
 * so a probe data chunk is appended: its snapshot is the full final state plus the probe part.
 */
export async function foldWithAi(
  version: AiVersion,
  chunks: readonly UIMessageChunk[],
  message?: UIMessage,
): Promise<AiResult> {
  const input = [...chunks, PROBE].map((chunk) => structuredClone(chunk));
  const stream = new ReadableStream({
    start(controller) {
      for (const chunk of input) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  const read = READERS[version];
  const initial = message === undefined ? {} : { message: structuredClone(message) };
  for await (const snapshot of read({ stream, onError: () => {}, ...initial })) {
    last = snapshot as UIMessage;
  }
  const probe = last?.parts.at(-1);
  const completed = probe?.type === PROBE.type;
  if (completed && last) last = { ...last, parts: last.parts.slice(0, -1) };
  return { message: last === undefined ? undefined : toJson(last), completed };
}

/** The JSON form of a value (what is persisted): `undefined` members vanish. */
export function toJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Folder of the recorded UI message streams shared by the project (`../shared` from the repo). */
export const FIXTURE_DIR = resolve(REPO_ROOT, "../shared/fixtures/ui-message-stream");

/** The JSON payloads of an SSE file's `data:` events, `[DONE]` excluded, parsed with the same
 * `eventsource-parser` the AI SDK client uses. */
export function readSseChunks(path: string): unknown[] {
  const payloads: unknown[] = [];
  const parser = createParser({
    onEvent(event) {
      if (event.data !== "[DONE]") payloads.push(JSON.parse(event.data));
    },
  });
  parser.feed(readFileSync(path, "utf8"));
  return payloads;
}
