/**
 * Quickstart: stream a recorded AI SDK UI message stream into Threadline on an embedded SQLite
 * file while a subscriber follows the thread live, then read the stored message back.
 *
 *   npm run example            # uses ../shared/fixtures when present, else a built-in sample
 *   npm run example -- FILE.sse
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createParser } from "eventsource-parser";
import { createThreadline, type SubscriptionItem, type UIMessageChunk } from "../src/index.js";

const DEFAULT_RECORDING =
  "../shared/fixtures/ui-message-stream/streamtext-reasoning-tool-2steps.sse";

const SAMPLE: UIMessageChunk[] = [
  { type: "start" },
  { type: "start-step" },
  { type: "text-start", id: "t1" },
  ...["Threadline ", "stores ", "every ", "chunk ", "durably."].map(
    (delta): UIMessageChunk => ({ type: "text-delta", id: "t1", delta }),
  ),
  { type: "text-end", id: "t1" },
  { type: "finish-step" },
  { type: "finish", finishReason: "stop" },
];

/** Reads the chunks of a UI message stream recording (SSE `data:` lines). */
function readRecording(path: string): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [];
  const parser = createParser({
    onEvent: (event) => {
      if (event.data !== "[DONE]") chunks.push(JSON.parse(event.data));
    },
  });
  parser.feed(readFileSync(path, "utf8"));
  return chunks;
}

export async function runQuickstart(options: {
  database: string;
  recording?: string;
  log?: (line: string) => void;
}) {
  const log = options.log ?? console.log;
  const recording =
    options.recording ?? (existsSync(DEFAULT_RECORDING) ? DEFAULT_RECORDING : undefined);
  const chunks = recording ? readRecording(recording) : SAMPLE;

  const threadline = await createThreadline({ database: options.database });
  try {
    const thread = await threadline.threads.create({ title: "Quickstart" });
    await threadline.messages.append(thread.id, {
      role: "user",
      parts: [{ type: "text", text: "What is the weather in Paris?" }],
    });

    // A viewer: snapshot first, then every committed event, until the message finishes.
    const seen: SubscriptionItem[] = [];
    const viewer = (async () => {
      for await (const item of threadline.subscribe(thread.id)) {
        seen.push(item);
        if (item.type === "message.finished") break;
      }
    })();

    // The producer: one writer per assistant message; deltas are coalesced, structure is written at once.
    const start = chunks.find((c) => c.type === "start");
    const writer = await threadline.writers.open(thread.id, {
      ...(start?.type === "start" && start.messageId ? { messageId: start.messageId } : {}),
    });
    for (const chunk of chunks) await writer.write(chunk);
    await viewer;

    const stored = await threadline.messages.get(writer.id);
    log(`recording: ${recording ?? "built-in sample"} (${chunks.length} chunks)`);
    log(
      `thread ${thread.id}: ${seen.length} items seen live (${seen.map((i) => i.type).join(", ")})`,
    );
    log(
      `message ${stored.id}: status=${stored.status} revision=${stored.revision} parts=${stored.parts.length}`,
    );
    for (const part of stored.parts) {
      const text =
        "text" in part && typeof part.text === "string" ? ` ${JSON.stringify(part.text)}` : "";
      log(`  - ${part.type}${"state" in part ? ` (${String(part.state)})` : ""}${text}`);
    }
    return { stored, seen };
  } finally {
    await threadline.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(".threadline", { recursive: true });
  for (const suffix of ["", "-wal", "-shm"])
    rmSync(`.threadline/quickstart.db${suffix}`, { force: true });
  await runQuickstart({ database: "sqlite:.threadline/quickstart.db", recording: process.argv[2] });
}
