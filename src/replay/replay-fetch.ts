/**
 * A `fetch` that ignores the request and answers with a recorded provider stream, one SSE event at
 * a time, counting how many events the AI SDK has consumed.
 */
import { DONE_SENTINEL, sseEvent } from "./sse-events.js";

/** A replay fetch and what it has delivered. */
export interface ReplayFetch {
  /** The `fetch` to give the provider (`createOpenAI({ fetch })`). */
  fetch: typeof globalThis.fetch;
  /** How many recorded events the response body has handed out so far (0 before the first). */
  deliveredEvents(): number;
  /** The URL of every request made, in order (one expected). */
  readonly requests: string[];
}

/** Options of {@link createReplayFetch}. */
export interface ReplayFetchOptions {
  /** End the body with `data: [DONE]` (as the vercel/ai tests of OpenAI-style providers do). */
  appendDone: boolean;
  /**
   * Awaited before each event after the first. The default (`setImmediate`) lets everything the
   * previous event set off (provider parsing, `streamText`, `toUIMessageStream`) finish first, so
   * `deliveredEvents()` read by the chunk consumer names the event that produced each chunk.
   */
  betweenEvents?: () => Promise<void>;
}

/**
 * Creates a fetch serving `payloads` as a `200 text/event-stream` body of `data: <payload>\n\n`
 * events (plus `data: [DONE]\n\n` when asked). The body is pulled lazily, one event per read. Only
 * the first request gets the recording: a later one (a retry or a continuation) is answered
 * `500` with a JSON error, since a recording holds exactly one response.
 *
 * @example
 * ```ts
 * const replay = createReplayFetch(['{"type":"ping"}'], { appendDone: true });
 * const model = createAnthropic({ apiKey: "replay", fetch: replay.fetch }).messages("claude");
 * ```
 */
export function createReplayFetch(
  payloads: readonly string[],
  options: ReplayFetchOptions,
): ReplayFetch {
  const betweenEvents = options.betweenEvents ?? nextMacrotask;
  const requests: string[] = [];
  let delivered = 0;

  const body = () => {
    const encoder = new TextEncoder();
    let doneSent = false;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (delivered > 0) await betweenEvents();
          const payload = payloads[delivered];
          if (payload !== undefined) {
            delivered += 1;
            controller.enqueue(encoder.encode(sseEvent(payload)));
          } else if (options.appendDone && !doneSent) {
            doneSent = true;
            controller.enqueue(encoder.encode(sseEvent(DONE_SENTINEL)));
          } else {
            controller.close();
          }
        },
      },
      { highWaterMark: 0 },
    );
  };

  const fetch: typeof globalThis.fetch = async (input) => {
    requests.push(requestUrl(input));
    if (requests.length > 1) {
      const error = { message: "replay: the recording holds one response and was already served" };
      return Response.json({ error }, { status: 500 });
    }
    return new Response(body(), {
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  };

  return { fetch, deliveredEvents: () => delivered, requests };
}

function requestUrl(input: string | URL | Request): string {
  if (typeof input === "string") return input;
  return input instanceof URL ? input.href : input.url;
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
