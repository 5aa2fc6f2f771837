/**
 * Server-sent events encoding (SPEC §3 `GET …/events` and `GET …/stream`) and a writer that sends
 * heartbeats while a stream is idle.
 */
import type { StreamingApi } from "hono/utils/stream";
import type { UIMessageChunk } from "../message/types.js";
import { threadEventCache, threadEventJson } from "../protocol/event-json.js";
import type { ThreadEvent } from "../protocol/events.js";
import {
  SSE_HEARTBEAT_COMMENT,
  SSE_SNAPSHOT_EVENT,
  UI_MESSAGE_STREAM_DONE,
} from "../protocol/http.js";
import type { SubscriptionItem } from "../subscription/subscription.js";

/**
 * One SSE event: `event:`, `id:` and one `data:` line per line of `data`, then a blank line.
 * @throws Error when `event` or `id` contains a line break (it would forge fields).
 */
export function formatSseEvent(fields: { event?: string; id?: string; data: string }): string {
  for (const name of ["event", "id"] as const) {
    if (/[\r\n]/.test(fields[name] ?? ""))
      throw new Error(`SSE ${name} must not contain a newline`);
  }
  const lines: string[] = [];
  if (fields.event !== undefined) lines.push(`event: ${fields.event}`);
  if (fields.id !== undefined) lines.push(`id: ${fields.id}`);
  for (const line of fields.data.split(/\r\n|\r|\n/)) lines.push(`data: ${line}`);
  return `${lines.join("\n")}\n\n`;
}

/** An SSE comment (`: text`), ignored by clients; used as the heartbeat. */
export function formatSseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** The heartbeat frame (`: keep-alive`, SPEC §3). */
export const HEARTBEAT_FRAME = formatSseComment(SSE_HEARTBEAT_COMMENT);

/**
 * One item of a thread subscription as an SSE event of `GET /v1/threads/:id/events` (SPEC §3,
 * R11): `id:` is the seq, `event:` the type (`snapshot` or the log event type), `data:` the JSON
 * event — for the snapshot `{seq, thread, messages}`. A log event's JSON is made once per event
 * object and shared by every viewer (see `threadEventJson`).
 */
export function formatThreadEvent(item: SubscriptionItem): string {
  if (item.type === "snapshot") {
    const { seq, thread, messages } = item;
    return formatSseEvent({
      event: SSE_SNAPSHOT_EVENT,
      id: String(seq),
      data: JSON.stringify({ seq, thread, messages }),
    });
  }
  return eventFrame(item);
}

const encoder = new TextEncoder();

/**
 * {@link formatThreadEvent} as UTF-8 bytes, encoded once per log event object: the broker hands one
 * object to every live subscriber of a thread (R10), so all its viewers write the same bytes
 * (issue 9: each event serialized once). Snapshots are encoded per call. The bytes are shared:
 * never write into them.
 *
 * @example
 * ```ts
 * await writer.write(encodeThreadEvent(item));
 * ```
 */
export function encodeThreadEvent(item: SubscriptionItem): Uint8Array {
  if (item.type === "snapshot") return encoder.encode(formatThreadEvent(item));
  const cache = threadEventCache(item);
  let bytes = cache?.sseFrame;
  if (bytes === undefined) {
    bytes = encoder.encode(eventFrame(item));
    if (cache) cache.sseFrame = bytes;
  }
  return bytes;
}

/**
 * The SSE frame of a log event. The JSON text holds no line break (JSON escapes them) and the type
 * is one of `EVENT_TYPES`, so the frame is concatenated without {@link formatSseEvent}'s checks.
 */
function eventFrame(event: ThreadEvent): string {
  return `event: ${event.type}\nid: ${event.seq}\ndata: ${threadEventJson(event)}\n\n`;
}

/** One chunk of an AI SDK UI message stream: `data: <json>` (protocol doc §1). */
export function formatUIMessageChunk(chunk: UIMessageChunk): string {
  return `data: ${JSON.stringify(chunk)}\n\n`;
}

/** The frame that ends an AI SDK UI message stream: `data: [DONE]`. */
export const UI_MESSAGE_STREAM_DONE_FRAME = `data: ${UI_MESSAGE_STREAM_DONE}\n\n`;

/**
 * Writes frames to a Hono stream one at a time, and a heartbeat comment every `heartbeatMs` while
 * no write is in progress (SPEC §3 "heartbeat comment every 15 s"). A write resolves only once the
 * stream took the frame, so a caller awaiting each write never buffers more than one frame for a
 * slow client; a heartbeat is skipped rather than queued behind a write that is stuck.
 */
export class SseWriter {
  private writing = 0;
  private readonly timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly stream: StreamingApi,
    heartbeatMs: number,
  ) {
    if (heartbeatMs > 0) {
      this.timer = setInterval(() => this.heartbeat(), heartbeatMs);
      this.timer.unref?.();
    }
  }

  /** Writes one frame; resolves when the stream accepted it (or the client is gone). */
  async write(frame: string | Uint8Array): Promise<void> {
    this.writing += 1;
    try {
      await this.stream.write(frame);
    } finally {
      this.writing -= 1;
    }
  }

  /** Stops the heartbeat. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private heartbeat(): void {
    if (this.writing === 0 && !this.stream.closed && !this.stream.aborted) {
      void this.write(HEARTBEAT_FRAME);
    }
  }
}
