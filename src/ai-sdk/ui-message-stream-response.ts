import type { UIMessageChunk } from "../message/types.js";
import {
  SSE_HEARTBEAT_COMMENT,
  SSE_HEARTBEAT_MS,
  UI_MESSAGE_STREAM_DONE,
  UI_MESSAGE_STREAM_HEADERS,
} from "../protocol/http.js";

/** Options of {@link toUIMessageStreamResponse}. */
export interface UIMessageStreamResponseInit {
  /** HTTP status (default 200). */
  status?: number;
  /** Extra headers, added to the AI SDK's UI message stream headers. */
  headers?: HeadersInit;
  /**
   * Interval of `: keep-alive` comments while the stream is idle, in ms (default 15 000; 0 for
   * none). AI SDK clients ignore comments; proxies see a live connection during long tool calls.
   */
  heartbeatMs?: number;
}

/**
 * Encodes a UI message stream as the AI SDK sends it over HTTP: one `data: <chunk JSON>` SSE event
 * per chunk, `data: [DONE]` at the end, with the AI SDK's `UI_MESSAGE_STREAM_HEADERS` (protocol doc
 * §1) — the `Response` a chat route returns to `DefaultChatTransport`, in any framework that speaks
 * Web `Response` (Next.js, Hono, …). Cancelling the response (the browser went away) cancels
 * `stream` only.
 *
 * @example
 * ```ts
 * return toUIMessageStreamResponse(reply.stream);
 * ```
 */
export function toUIMessageStreamResponse(
  stream: ReadableStream<UIMessageChunk>,
  init: UIMessageStreamResponseInit = {},
): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(UI_MESSAGE_STREAM_HEADERS)) headers.set(name, value);
  return new Response(encodeUIMessageStream(stream, init.heartbeatMs ?? SSE_HEARTBEAT_MS), {
    status: init.status ?? 200,
    headers,
  });
}

const encoder = new TextEncoder();
const HEARTBEAT = encoder.encode(`: ${SSE_HEARTBEAT_COMMENT}\n\n`);
const DONE = encoder.encode(`data: ${UI_MESSAGE_STREAM_DONE}\n\n`);

/** Frames of chunk objects already encoded: a resumed stream's live chunks are shared objects. */
const chunkFrames = new WeakMap<UIMessageChunk, Uint8Array>();

/**
 * The `data: <json>` frame of a chunk, encoded once per chunk object: every viewer resuming the
 * same message (`GET …/stream`) receives the chunk objects of the same live events, so they share
 * one serialization (issue 9). The bytes are shared: never write into them.
 */
function encodeChunkFrame(chunk: UIMessageChunk): Uint8Array {
  const shareable = typeof chunk === "object" && chunk !== null;
  let frame = shareable ? chunkFrames.get(chunk) : undefined;
  if (frame === undefined) {
    frame = encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
    if (shareable) chunkFrames.set(chunk, frame);
  }
  return frame;
}

/**
 * The SSE bytes of a UI message stream, read from `stream` only as fast as the consumer pulls
 * (backpressure), with a heartbeat comment while idle and the consumer keeping up.
 */
function encodeUIMessageStream(
  stream: ReadableStream<UIMessageChunk>,
  heartbeatMs: number,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stopHeartbeat = () => {
    if (heartbeat !== undefined) clearInterval(heartbeat);
    heartbeat = undefined;
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (heartbeatMs <= 0) return;
      heartbeat = setInterval(() => {
        if ((controller.desiredSize ?? 0) > 0) controller.enqueue(HEARTBEAT);
      }, heartbeatMs);
      heartbeat.unref?.();
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          stopHeartbeat();
          controller.enqueue(DONE);
          controller.close();
          return;
        }
        controller.enqueue(encodeChunkFrame(value));
      } catch (error) {
        stopHeartbeat();
        controller.error(error);
      }
    },
    async cancel(reason) {
      stopHeartbeat();
      await reader.cancel(reason);
    },
  });
}
