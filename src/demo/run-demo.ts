import { isDeepStrictEqual } from "node:util";
import { type RunningServer, startServer } from "../cli/start-server.js";
import { createClient } from "../client/client.js";
import type { UIMessage, UIMessageChunk } from "../message/types.js";
import { paceChunks } from "../replay/pacing.js";
import { replayRecording } from "../replay/replay-recording.js";
import type { RecordedChunk, RecordingFile } from "../replay/types.js";
import { expectedMessage } from "./expected-message.js";
import { followThread, visibleCharacters } from "./follow-thread.js";

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Database of the demo server (default a fresh embedded SQLite file). */
  database: string;
  files: RecordingFile[];
  /** Playback speed (1 = recorded speed). */
  speed: number;
  /** Port of the demo server (0 = any free one). */
  port?: number;
  /** Called as each recording starts and ends. */
  onProgress?: (line: string) => void;
}

/** The outcome of one replayed recording. */
export interface DemoThreadResult {
  file: string;
  threadId: string;
  messageId: string;
  /** UI message stream chunks uploaded. */
  chunks: number;
  /** Events the live SSE follower received. */
  events: number;
  /** Commits that touched the message (its final revision). */
  commits: number;
  status: string;
  characters: number;
  latencyMs: { p50: number; p99: number; max: number } | null;
  /** Persisted message equals the AI SDK's own result, and the live view equals both. */
  matches: boolean;
  mismatch?: string;
  durationMs: number;
}

/**
 * The main job (`npm run demo`): serves Threadline on an embedded database, replays every recording
 * concurrently into its own thread through the HTTP streaming upload at recorded speed, while a
 * client follows each thread live over SSE; then checks each persisted message against the AI SDK's
 * own result for the same chunks.
 *
 * @returns the per-thread results and the server (still running; close it when done).
 */
export async function runDemo(
  options: DemoOptions,
): Promise<{ results: DemoThreadResult[]; server: RunningServer }> {
  const server = await startServer({ database: options.database, port: options.port ?? 0 });
  const client = createClient({ baseUrl: server.url });
  try {
    const results = await Promise.all(
      options.files.map((file, index) => replayOne(client, file, index, options)),
    );
    return { results, server };
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function replayOne(
  client: ReturnType<typeof createClient>,
  file: RecordingFile,
  index: number,
  options: DemoOptions,
): Promise<DemoThreadResult> {
  const started = Date.now();
  const name = file.path.split("/").slice(-2).join("/");
  const messageId = `demo-${index + 1}-${name.replace(/[^a-zA-Z0-9]+/g, "-")}`;
  const recorded = withMessageId(
    await collect(replayRecording(file, { speed: options.speed, messageId })),
    messageId,
  );
  const chunks = recorded.map((r) => r.chunk);
  const expected = await expectedMessage(chunks);

  const thread = await client.threads.create({ title: name });
  const sent: { characters: number; at: number }[] = [];
  const abort = new AbortController();
  const follower = followThread(
    client,
    thread.id,
    () => messageId,
    (c) => firstAt(sent, c),
    abort.signal,
  );
  options.onProgress?.(`▶ ${name}: ${chunks.length} chunks`);

  let characters = 0;
  const paced = async function* (): AsyncGenerator<UIMessageChunk> {
    for await (const { chunk } of paceChunks(recorded)) {
      yield chunk;
      if (chunk.type === "text-delta" || chunk.type === "reasoning-delta") {
        characters += chunk.delta.length;
        sent.push({ characters, at: Date.now() });
      }
    }
  };
  await client.messages.stream(thread.id, paced());
  const timeout = setTimeout(() => abort.abort(), 10_000);
  const live = await follower.finally(() => clearTimeout(timeout));
  const stored = await client.messages.get(messageId);
  const liveMessage = live.view.messages.find((m) => m.id === messageId);

  const mismatch =
    stored.status !== expected.status
      ? `status ${stored.status}, expected ${expected.status}`
      : !sameContent(stored, expected.message)
        ? "persisted message differs from the AI SDK's result"
        : !liveMessage || !sameContent(liveMessage, stored)
          ? "the live view differs from the persisted message"
          : undefined;
  options.onProgress?.(`${mismatch ? "✗" : "✓"} ${name}: ${stored.status}`);
  return {
    file: name,
    threadId: thread.id,
    messageId,
    chunks: chunks.length,
    events: live.events,
    commits: stored.revision,
    status: stored.status,
    characters: visibleCharacters(stored),
    latencyMs: summarize(live.latenciesMs),
    matches: mismatch === undefined,
    ...(mismatch ? { mismatch } : {}),
    durationMs: Date.now() - started,
  };
}

function sameContent(
  a: Pick<UIMessage, "parts" | "metadata">,
  b: Pick<UIMessage, "parts" | "metadata">,
): boolean {
  return isDeepStrictEqual(
    JSON.parse(JSON.stringify([a.parts, a.metadata ?? null])),
    JSON.parse(JSON.stringify([b.parts, b.metadata ?? null])),
  );
}

/** Gives the stream a `start` chunk carrying `messageId` (unique per demo thread). */
function withMessageId(recorded: RecordedChunk[], messageId: string): RecordedChunk[] {
  const hasStart = recorded.some((r) => r.chunk.type === "start");
  const renamed = recorded.map((r) =>
    r.chunk.type === "start" ? { ...r, chunk: { ...r.chunk, messageId } } : r,
  );
  return hasStart
    ? renamed
    : [{ chunk: { type: "start", messageId }, offsetMs: 0, sourceIndex: 0 }, ...renamed];
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function firstAt(
  sent: readonly { characters: number; at: number }[],
  characters: number,
): number | undefined {
  let low = 0;
  let high = sent.length - 1;
  let found: number | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const entry = sent[mid];
    if (!entry) break;
    if (entry.characters >= characters) {
      found = entry.at;
      high = mid - 1;
    } else {
      low = mid + 1;
    }
  }
  return found;
}

function summarize(values: number[]): DemoThreadResult["latencyMs"] {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}
