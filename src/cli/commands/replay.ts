import { readFile } from "node:fs/promises";
import { MultiBar, Presets } from "cli-progress";
import { Command } from "commander";
import { createClient } from "../../client/client.js";
import type { UIMessageChunk } from "../../message/types.js";
import { paceChunks } from "../../replay/pacing.js";
import { replayRecording } from "../../replay/replay-recording.js";
import type { RecordedChunk } from "../../replay/types.js";

interface ReplayOptions {
  server: string;
  apiKey?: string;
  thread?: string;
  speed: number;
}

/**
 * `threadline replay FILE…` (SPEC §4): streams recordings into a running server — UI message stream
 * recordings as they are, provider recordings through the AI SDK's own provider packages — at
 * recorded speed (or `--speed`), with a progress bar per file on a terminal. Each file goes to a new
 * thread unless `--thread` names one, as a new message (the recorded message id is not reused).
 */
export function replayCommand(): Command {
  return new Command("replay")
    .description(
      "stream recorded model output (*.sse, *.chunks.txt) into threads of a running server",
    )
    .argument("<files...>", "recordings to replay")
    .option("--server <url>", "Threadline server", "http://127.0.0.1:4000")
    .option("--api-key <key>", "API key of the workspace to write to")
    .option("--thread <id>", "append to this thread instead of creating one per file")
    .option("--speed <factor>", "playback speed, 1 = recorded speed", (v) => Number(v), 1)
    .action(async (paths: string[], options: ReplayOptions) => {
      if (!Number.isFinite(options.speed) || options.speed <= 0)
        throw new Error("--speed must be a number > 0");
      const client = createClient({
        baseUrl: options.server,
        ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      });
      // Progress bars on a terminal only: piped into a log, cli-progress prints its template.
      const bars = process.stderr.isTTY
        ? new MultiBar(
            {
              format: " {bar} {value}/{total} chunks  {file}",
              hideCursor: true,
              clearOnComplete: false,
            },
            Presets.shades_classic,
          )
        : undefined;
      const outcomes: string[] = [];
      try {
        const replays = paths.map(async (path) => {
          const recorded = await collectChunks(path, options.speed);
          const threadId = options.thread ?? (await client.threads.create({ title: path })).id;
          const bar = bars?.create(recorded.length, 0, { file: path });
          const chunks = async function* (): AsyncGenerator<UIMessageChunk> {
            for await (const { chunk } of paceChunks(recorded)) {
              yield withoutRecordedId(chunk);
              bar?.increment();
            }
          };
          const message = await client.messages.stream(threadId, chunks());
          outcomes.push(`${path} → thread ${threadId}, message ${message.id}: ${message.status}`);
        });
        // Sequential files would share one thread's order; concurrent ones each get their own.
        if (options.thread) for (const replay of replays) await replay;
        else await Promise.all(replays);
      } finally {
        bars?.stop();
      }
      for (const line of outcomes) console.log(line);
    });
}

/**
 * A recording's `start` chunk without its recorded `messageId`: each replay is a new message with
 * an id of the server's, so a recording can be replayed again into the same workspace (its
 * recorded id would be taken by then: `conflict`).
 */
function withoutRecordedId(chunk: UIMessageChunk): UIMessageChunk {
  if (chunk.type !== "start" || chunk.messageId === undefined) return chunk;
  const { messageId: _recorded, ...rest } = chunk;
  return rest;
}

async function collectChunks(path: string, speed: number): Promise<RecordedChunk[]> {
  const out: RecordedChunk[] = [];
  for await (const recorded of replayRecording(
    { path, text: await readFile(path, "utf8") },
    { speed },
  ))
    out.push(recorded);
  return out;
}
