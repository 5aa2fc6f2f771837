/**
 * Reading the events of a provider recording: one JSON payload per line (`*.chunks.txt`, the
 * vercel/ai fixture format) or an SSE-framed body (`data: …` events, as on the wire).
 */
import { recordingError } from "./replay-error.js";
import { DONE_SENTINEL, isSseFramed, sseDataPayloads } from "./sse-events.js";
import type { RecordingFile } from "./types.js";

/** The events of a provider recording, as text (to send verbatim) and parsed (to inspect). */
export interface ProviderEvents {
  /** Each event's JSON text, in order, exactly as recorded. */
  payloads: string[];
  /** Each well-formed event parsed (a JSON object); malformed ones are left out. */
  values: Record<string, unknown>[];
  /** The events that are not JSON objects (only with `malformedEvents: "send"`). */
  malformed: MalformedEvent[];
  /** How the file frames events: `lines` (one per line) or `sse` (`data:` events). */
  framing: "lines" | "sse";
}

/** An event that is not a JSON object, and where it is. */
export interface MalformedEvent {
  /** `line 3` or `SSE event 2`. */
  place: string;
  /** Why it was rejected (the JSON parse error, or "not a JSON object"). */
  reason: string;
}

/**
 * What to do with events that are not JSON objects: `reject` the recording (default), or `send`
 * them verbatim to the provider as a live stream would, so the AI SDK reacts as it would live
 * (typically an `error` chunk). Upstream fixtures need `send`: vercel/ai's hand-written
 * `parallel-tool-call-wrapper.1.chunks.txt` has truncated JSON on lines 1 and 6 by accident.
 */
export type MalformedEventPolicy = "reject" | "send";

/**
 * Splits a provider recording into its events. A file whose first non-blank line is an SSE field
 * or comment (`isSseFramed`) is read as SSE (`[DONE]` dropped); otherwise each non-blank line is
 * one event. Every event must be a JSON object, unless `malformedEvents` is `send`.
 *
 * @throws ThreadlineError `bad_request` naming the file when it holds no event or no well-formed
 *   one, or (policy `reject`) when an event is not JSON or not a JSON object (`details.line` is
 *   the 1-based line, or `details.event` the 0-based SSE event index).
 * @example
 * ```ts
 * readProviderEvents({ path: "a.chunks.txt", text: '{"type":"ping"}\n' }).values;
 * // [{ type: "ping" }]
 * ```
 */
export function readProviderEvents(
  file: RecordingFile,
  malformedEvents: MalformedEventPolicy = "reject",
): ProviderEvents {
  const framing = isSseFramed(file.text) ? "sse" : "lines";
  const entries =
    framing === "sse"
      ? sseDataPayloads(file.text)
          .filter((data) => data !== DONE_SENTINEL)
          .map((payload, index) => ({ payload, where: { event: index } }))
      : file.text
          .split(/\r?\n/)
          .map((payload, index) => ({ payload, where: { line: index + 1 } }))
          .filter(({ payload }) => payload.trim() !== "");
  if (entries.length === 0) {
    throw recordingError(file.path, "the file is empty (no provider event)");
  }
  const values: Record<string, unknown>[] = [];
  const malformed: MalformedEvent[] = [];
  for (const { payload, where } of entries) {
    const parsed = parseEvent(payload, where);
    if ("value" in parsed) {
      values.push(parsed.value);
      continue;
    }
    if (malformedEvents === "reject") {
      throw recordingError(file.path, `${parsed.place} is ${parsed.reason}: ${preview(payload)}`, {
        cause: parsed.cause,
        details: where,
      });
    }
    malformed.push({ place: parsed.place, reason: parsed.reason });
  }
  if (values.length === 0) {
    throw recordingError(file.path, "no event is a JSON object");
  }
  return { payloads: entries.map(({ payload }) => payload.trim()), values, malformed, framing };
}

type ParsedEvent =
  | { value: Record<string, unknown> }
  | { place: string; reason: string; cause?: unknown };

function parseEvent(payload: string, where: { line: number } | { event: number }): ParsedEvent {
  const place = "line" in where ? `line ${where.line}` : `SSE event ${where.event}`;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { place, reason: `not JSON (${detail})`, cause: error };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { place, reason: "not a JSON object" };
  }
  return { value: value as Record<string, unknown> };
}

function preview(text: string): string {
  const trimmed = text.trim();
  return JSON.stringify(trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed);
}
