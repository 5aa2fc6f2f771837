/**
 * Finding recordings on disk and saying how each would be replayed.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isThreadlineError } from "../errors.js";
import type { AdapterMatch } from "./provider-adapters.js";
import { recordingKindOf } from "./recording-kind.js";
import { type ProviderPlanOptions, planProviderReplay } from "./replay-plan.js";
import type { ProviderApi, RecordingFile } from "./types.js";
import { readUiMessageStreamRecording } from "./ui-sse-recording.js";

/** Fields every listed recording has. */
interface EntryBase {
  /** `join(dir, relativePath)`. */
  path: string;
  /** Path below the listed directory, with `/` separators. */
  relativePath: string;
}

/** A recorded AI SDK UI message stream, replayed as is. */
export interface UiRecordingEntry extends EntryBase {
  kind: "ui-message-stream";
  /** Number of chunks (`[DONE]` excluded). */
  chunks: number;
}

/** A provider recording and the AI SDK adapter that will replay it. */
export interface ProviderRecordingEntry extends EntryBase {
  kind: "provider";
  api: ProviderApi;
  /** The recording provider, from the path (see `detectProviderApi`). */
  provider: string | undefined;
  /** The adapter id, e.g. `openai.responses`. */
  adapter: string;
  /** `provider` when the recording provider's own package parses it, `generic` otherwise. */
  match: AdapterMatch;
  /** Number of provider events. */
  events: number;
  /** Malformed events sent verbatim (only with `malformedEvents: "send"`), e.g. `line 1: …`. */
  malformedEvents: string[];
}

/** A file that cannot be replayed, and why. */
export interface UnsupportedRecordingEntry extends EntryBase {
  kind: "unsupported";
  /** The error message a replay would throw. */
  reason: string;
}

/** One file found by {@link listRecordings}. */
export type RecordingEntry = UiRecordingEntry | ProviderRecordingEntry | UnsupportedRecordingEntry;

/** File names that hold recordings. */
const RECORDING_FILE = /\.(sse|chunks\.txt)$/;

/**
 * Finds every `*.sse` and `*.chunks.txt` file below `dir` (recursively, sorted by path) and
 * classifies it by content: a UI message stream, a provider recording with the adapter that will
 * replay it, or unsupported with the reason (the message replaying it would throw).
 *
 * @param options.malformedEvents - as in `replayProviderRecording`: with `reject` (default) a
 *   provider recording with a non-JSON event is listed as unsupported.
 * @throws the `fs` error when `dir` cannot be read (e.g. `ENOENT`).
 * @example
 * ```ts
 * for (const entry of await listRecordings("../shared/fixtures")) {
 *   console.log(entry.relativePath, entry.kind, entry.kind === "provider" ? entry.adapter : "");
 * }
 * ```
 */
export async function listRecordings(
  dir: string,
  options: ProviderPlanOptions = {},
): Promise<RecordingEntry[]> {
  const names = (await readdir(dir, { recursive: true }))
    .map((name) => name.split("\\").join("/"))
    .filter((name) => RECORDING_FILE.test(name))
    .sort();
  const entries: RecordingEntry[] = [];
  for (const relativePath of names) {
    const path = join(dir, relativePath);
    entries.push(
      classifyRecording({ path, text: await readFile(path, "utf8") }, relativePath, options),
    );
  }
  return entries;
}

/**
 * Classifies one recording as {@link listRecordings} does.
 *
 * @example
 * ```ts
 * classifyRecording({ path: "a/anthropic-text.chunks.txt", text }, "anthropic-text.chunks.txt");
 * // { kind: "provider", api: "anthropic-messages", adapter: "anthropic.messages", … }
 * ```
 */
export function classifyRecording(
  file: RecordingFile,
  relativePath: string,
  options: ProviderPlanOptions = {},
): RecordingEntry {
  const base = { path: file.path, relativePath };
  try {
    if (recordingKindOf(file) === "ui-message-stream") {
      const chunks = readUiMessageStreamRecording(file.text, { path: file.path }).length;
      return { ...base, kind: "ui-message-stream", chunks };
    }
    const plan = planProviderReplay(file, options);
    return {
      ...base,
      kind: "provider",
      api: plan.api,
      provider: plan.providerHint,
      adapter: plan.adapter.id,
      match: plan.match,
      events: plan.events.payloads.length,
      malformedEvents: plan.events.malformed.map(({ place, reason }) => `${place}: ${reason}`),
    };
  } catch (error) {
    if (!isThreadlineError(error)) throw error;
    return { ...base, kind: "unsupported", reason: error.message };
  }
}
