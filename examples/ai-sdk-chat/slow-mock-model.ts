import { MockLanguageModelV4 } from "ai/test";

type StreamResult = Awaited<ReturnType<MockLanguageModelV4["doStream"]>>;
type StreamPart = StreamResult["stream"] extends ReadableStream<infer P> ? P : never;
type CallOptions = Parameters<MockLanguageModelV4["doStream"]>[0];

/** The deterministic answer of the mock model: 60 words, streamed one word per text-delta. */
export const MOCK_REPLY_TEXT = [
  "Threadline keeps every chunk of this answer in a database as it streams.",
  "Reload the page and the reply picks up where it was, with no gap or repeat.",
  "Press stop and the server aborts the model, keeps the partial text, and marks it aborted.",
  "A second node on PostgreSQL can stop it too; the request goes through the database.",
].join(" ");

/** What the mock model has seen: `GET /api/debug/model` answers this. */
export interface MockModelStats {
  /** `doStream` calls so far. */
  calls: number;
  /** Calls whose stream was cancelled or whose `abortSignal` fired before the answer ended. */
  cancelled: number;
  /** Calls that streamed the whole answer. */
  completed: number;
}

/** Options of {@link createSlowMockModel}. */
export interface SlowMockModelOptions {
  /** Delay before each text-delta in ms (default 30). */
  chunkDelayMs?: number;
  /** The answer (default {@link MOCK_REPLY_TEXT}); it is streamed one word per text-delta. */
  text?: string;
}

/**
 * A mock language model from `ai/test` that streams a long answer slowly and observes
 * cancellation: when its stream is cancelled or the call's `abortSignal` fires, it stops emitting
 * and counts the call in `stats.cancelled`.
 *
 * @example
 * ```ts
 * const { model, stats } = createSlowMockModel({ chunkDelayMs: 30 });
 * const result = streamText({ model, prompt: "Hi", abortSignal });
 * // later: stats → { calls: 1, cancelled: 1, completed: 0 } if it was aborted
 * ```
 */
export function createSlowMockModel(options: SlowMockModelOptions = {}): {
  model: MockLanguageModelV4;
  stats: MockModelStats;
} {
  const chunkDelayMs = options.chunkDelayMs ?? 30;
  const words = (options.text ?? MOCK_REPLY_TEXT).split(" ");
  const stats: MockModelStats = { calls: 0, cancelled: 0, completed: 0 };
  const model = new MockLanguageModelV4({
    provider: "threadline-example",
    modelId: "slow-mock",
    doStream: async (call: CallOptions): Promise<StreamResult> => {
      stats.calls += 1;
      return { stream: slowStream(words, chunkDelayMs, stats, call.abortSignal) };
    },
  });
  return { model, stats };
}

/** The stream parts of one answer: a text-delta per word, `chunkDelayMs` apart. */
function slowStream(
  words: readonly string[],
  chunkDelayMs: number,
  stats: MockModelStats,
  abortSignal: AbortSignal | undefined,
): ReadableStream<StreamPart> {
  let next = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ended = false;
  const end = (how: "completed" | "cancelled") => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    stats[how] += 1;
  };
  return new ReadableStream<StreamPart>({
    start(controller) {
      controller.enqueue({ type: "stream-start", warnings: [] });
      controller.enqueue({ type: "text-start", id: "text-1" });
      abortSignal?.addEventListener("abort", () => {
        if (ended) return;
        end("cancelled");
        controller.error(abortSignal.reason);
      });
    },
    pull(controller) {
      if (ended) return;
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (ended) return resolve();
          const word = words[next]!;
          next += 1;
          const last = next === words.length;
          controller.enqueue({ type: "text-delta", id: "text-1", delta: last ? word : `${word} ` });
          if (last) {
            controller.enqueue({ type: "text-end", id: "text-1" });
            controller.enqueue({ type: "finish", finishReason: FINISH_STOP, usage: usageOf(next) });
            end("completed");
            controller.close();
          }
          resolve();
        }, chunkDelayMs);
      });
    },
    cancel() {
      end("cancelled");
    },
  });
}

const FINISH_STOP = { unified: "stop", raw: "stop" } as const;

function usageOf(outputTokens: number) {
  return {
    inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: 0 },
  };
}
