/**
 * SSE framing, read the way the AI SDK reads it (`eventsource-parser`, as in
 * `@ai-sdk/provider-utils`' `parseJsonEventStream`).
 */
import { createParser } from "eventsource-parser";

/** The `[DONE]` sentinel OpenAI-style streams (and the UI message stream) end with. */
export const DONE_SENTINEL = "[DONE]";

/**
 * Returns the `data` of every event in an SSE text, in order: comments (`: keep-alive`), `event:`,
 * `id:` and `retry:` fields are dropped, multi-line `data:` is joined with `\n`, and a final event
 * without its blank line is still returned. `[DONE]` is kept; callers decide what it means.
 *
 * @example
 * ```ts
 * sseDataPayloads('data: {"type":"start"}\n\n: ping\n\ndata: [DONE]\n\n');
 * // ['{"type":"start"}', "[DONE]"]
 * ```
 */
export function sseDataPayloads(text: string): string[] {
  const payloads: string[] = [];
  const parser = createParser({ onEvent: (event) => payloads.push(event.data) });
  parser.feed(text);
  parser.reset({ consume: true });
  return payloads;
}

/**
 * Frames payloads as the SSE body a provider API sends: `data: <payload>\n\n` each.
 *
 * @example
 * ```ts
 * sseEvent('{"a":1}'); // 'data: {"a":1}\n\n'
 * ```
 */
export function sseEvent(payload: string): string {
  return `data: ${payload}\n\n`;
}

/**
 * True when a text looks SSE-framed: its first non-blank line is a `data:`, `event:`, `id:` or
 * `retry:` field or a `:` comment (rather than a bare JSON payload).
 *
 * @example
 * ```ts
 * isSseFramed(": stream-open\n\ndata: {}\n\n"); // true
 * isSseFramed('{"type":"ping"}\n'); // false
 * ```
 */
export function isSseFramed(text: string): boolean {
  const firstLine = text.split(/\r?\n/).find((line) => line.trim() !== "") ?? "";
  return /^(data|event|id|retry):|^:/.test(firstLine);
}
