/**
 * Shared pieces of the AI SDK integration tests: a UI message stream source the test pushes chunks
 * into, a mock model for `streamText` that observes cancellation, and stream readers.
 */
import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { MockLanguageModelV4 } from "ai/test";
import type { UIMessageChunk } from "../../src/message/types.js";

/** A UI message stream the test feeds by hand; records whether its reader cancelled it. */
export function pushSource() {
  let controller!: ReadableStreamDefaultController<UIMessageChunk>;
  const state = { cancelled: false };
  const stream = new ReadableStream<UIMessageChunk>({
    start(c) {
      controller = c;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return {
    stream,
    /** Enqueues chunks; after a cancel they go nowhere, like a producer that ignores it. */
    push: (...chunks: UIMessageChunk[]) => {
      if (state.cancelled) return;
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    end: () => controller.close(),
    fail: (error: unknown) => controller.error(error),
    get cancelled() {
      return state.cancelled;
    },
  };
}

/** Reads a stream to its end. */
export async function readAll<T>(stream: ReadableStream<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream as unknown as AsyncIterable<T>) items.push(item);
  return items;
}

/** Reads what is left of a reader's stream. */
export async function readRest<T>(reader: ReadableStreamDefaultReader<T>): Promise<T[]> {
  return readUntil(reader, () => false);
}

/** Reads items until `predicate` holds for one (included), leaving the stream open. */
export async function readUntil<T>(
  reader: ReadableStreamDefaultReader<T>,
  predicate: (item: T) => boolean,
): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return items;
    items.push(value);
    if (predicate(value)) return items;
  }
}

/** The words a {@link slowModel} answers with, one text delta each. */
export function modelWords(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `w${i} `);
}

/**
 * A mock language model (the AI SDK's `MockLanguageModelV4`) that streams `words` one text delta
 * every `delayMs` ms of real time, stops as soon as its call's `abortSignal` fires or its stream is
 * cancelled, and records both.
 */
export function slowModel(words: string[], delayMs: number) {
  const record = { calls: 0, cancelled: 0, emitted: 0 };
  const model = new MockLanguageModelV4({
    doStream: async ({ abortSignal }) => {
      record.calls += 1;
      let timer: NodeJS.Timeout | undefined;
      let index = 0;
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        record.cancelled += 1;
        clearTimeout(timer);
      };
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          abortSignal?.addEventListener("abort", () => {
            stop();
            try {
              controller.error(abortSignal.reason);
            } catch {}
          });
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "t" });
          const next = () => {
            if (stopped) return;
            if (index < words.length) {
              controller.enqueue({ type: "text-delta", id: "t", delta: words[index++]! });
              record.emitted += 1;
              timer = setTimeout(next, delayMs);
              return;
            }
            controller.enqueue({ type: "text-end", id: "t" });
            controller.enqueue({
              type: "finish",
              finishReason: { unified: "stop", raw: "stop" },
              usage: {
                inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
                outputTokens: { total: words.length, text: words.length, reasoning: 0 },
              },
            });
            controller.close();
          };
          timer = setTimeout(next, delayMs);
        },
        cancel: stop,
      });
      return { stream };
    },
  });
  return { model, record };
}
