/**
 * Load of the fault suite (issue 7): paced streaming uploads that remember exactly what they sent,
 * and raw SSE viewers that remember every seq they saw, against a real `threadline serve`.
 */
import { createParser } from "eventsource-parser";
import { createClient } from "../../src/client/index.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import { PATHS } from "../../src/protocol/http.js";
import type { StoredMessage } from "../../src/protocol/resources.js";

/** Characters per `text-delta` chunk of a paced upload. */
export const DELTA_CHARS = 10;
/** Time between two `text-delta` chunks: 10 characters every 50 ms is 200 characters per second. */
export const DELTA_INTERVAL_MS = 50;
/** The rate every paced upload streams at (issue 7: "~200 chars/s"). */
export const CHARS_PER_SECOND = (DELTA_CHARS * 1_000) / DELTA_INTERVAL_MS;

const WORDS = ["naïve", "café", "東京", "stream", "—", "straße", "token", "délai", "ok", "∑x"];

/**
 * The deterministic text upload `index` streams: words (some of them multi-byte in UTF-8, none
 * outside the BMP so no delta splits a surrogate pair), `length` UTF-16 code units long.
 */
export function streamText(index: number, length = 8_000): string {
  let text = "";
  let state = (index + 1) * 2_654_435_761;
  while (text.length < length) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    text += `${WORDS[state % WORDS.length]} `;
  }
  return text.slice(0, length);
}

/** How an upload's request ended: the server's answer, or the network error that ended it. */
export type UploadOutcome =
  | { kind: "answered"; message: StoredMessage }
  | { kind: "failed"; error: unknown };

/**
 * One streaming upload (`POST /v1/threads/:id/messages/stream` through the client's NDJSON upload,
 * which pulls chunks as the server reads them): `start`, `start-step`, `text-start`, then a
 * {@link DELTA_CHARS}-character `text-delta` every {@link DELTA_INTERVAL_MS} until {@link finish}
 * (then `text-end`, `finish-step`, `finish`) or {@link halt}. {@link sent} is every character
 * handed to the request body so far, so what the server stored must be a prefix of it.
 */
export class PacedUpload {
  /** The text of every `text-delta` handed to the request body so far. */
  sent = "";
  /** Settles when the server answers or the request fails; never rejects. */
  readonly outcome: Promise<UploadOutcome>;
  private finishing = false;
  private halted = false;
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  constructor(
    baseUrl: string,
    readonly threadId: string,
    readonly messageId: string,
    private readonly text: string,
  ) {
    const client = createClient({ baseUrl });
    this.outcome = client.messages.stream(threadId, this.chunks()).then(
      (message) => ({ kind: "answered", message }) as const,
      (error: unknown) => ({ kind: "failed", error }) as const,
    );
  }

  /** Ends the message normally at the next chunk: `text-end`, `finish-step`, `finish`. */
  finish(): void {
    this.finishing = true;
  }

  /**
   * Sends nothing more, from now on: {@link sent} is final. Call it just before killing the server,
   * so that no chunk counts as sent after the kill; the body is held open (not ended, which the
   * server would take as the producer's early end) until {@link end}.
   */
  halt(): void {
    this.halted = true;
  }

  /** Ends the body of a halted upload (after the server is gone). */
  end(): void {
    this.release();
  }

  private async *chunks(): AsyncGenerator<UIMessageChunk> {
    yield { type: "start", messageId: this.messageId };
    yield { type: "start-step" };
    yield { type: "text-start", id: "t" };
    let due = Date.now();
    for (;;) {
      due += DELTA_INTERVAL_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      if (this.halted) {
        await this.released;
        return;
      }
      if (this.finishing) break;
      const delta = this.text.slice(this.sent.length, this.sent.length + DELTA_CHARS);
      this.sent += delta;
      yield { type: "text-delta", id: "t", delta };
    }
    yield { type: "text-end", id: "t" };
    yield { type: "finish-step" };
    yield { type: "finish" };
  }
}

/**
 * A raw SSE viewer of `GET /v1/threads/:id/events` (no reconnects) that keeps the seq and type of
 * every event after its snapshot and the messages it saw finish, so what it received can be
 * compared with the thread's log (R11, R12: every event once, in seq order). {@link ready}
 * resolves once the snapshot arrived; the stream ends when the server goes away or {@link close}.
 */
export class Viewer {
  /** Seq of the snapshot it started from. */
  snapshotSeq = 0;
  /** Every event after the snapshot, in the order received. */
  readonly received: { seq: number; type: string }[] = [];
  /** Ids of the messages whose `message.finished` it received. */
  readonly finished = new Set<string>();
  readonly ready: Promise<void>;
  private readonly controller = new AbortController();

  constructor(baseUrl: string, threadId: string) {
    let snapshot!: () => void;
    this.ready = new Promise<void>((resolve) => {
      snapshot = resolve;
    });
    const parser = createParser({
      onEvent: (event) => {
        const seq = Number(event.id);
        if (event.event === "snapshot") {
          this.snapshotSeq = seq;
          snapshot();
          return;
        }
        this.received.push({ seq, type: event.event ?? "" });
        if (event.event === "message.finished") {
          this.finished.add((JSON.parse(event.data) as { messageId: string }).messageId);
        }
      },
    });
    void (async () => {
      const response = await fetch(`${baseUrl}${PATHS.events(threadId)}`, {
        signal: this.controller.signal,
      });
      const reader = response.body?.getReader();
      const decoder = new TextDecoder();
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
        parser.feed(decoder.decode(read.value, { stream: true }));
      }
    })().catch(() => {}); // close(), or the node went away
  }

  /** Events received after the snapshot. */
  get events(): number {
    return this.received.length;
  }

  /** Seqs that were not the previous seq + 1, starting from the snapshot's (R11: must stay 0). */
  get gaps(): number {
    let gaps = 0;
    let previous = this.snapshotSeq;
    for (const { seq } of this.received) {
      if (seq !== previous + 1) gaps += 1;
      previous = seq;
    }
    return gaps;
  }

  /** The seq of the last event received (the snapshot's before any). */
  get lastSeq(): number {
    return this.received.at(-1)?.seq ?? this.snapshotSeq;
  }

  /**
   * What it got wrong compared with `log` (the thread's whole log): each event after the snapshot
   * missing, repeated, out of order or of another type. Empty when it saw exactly the log.
   */
  compareWith(log: readonly { seq: number; type: string; threadId: string }[]): string[] {
    const expected = log.filter((e) => e.seq > this.snapshotSeq);
    const problems: string[] = [];
    const length = Math.max(expected.length, this.received.length);
    for (let i = 0; i < length && problems.length < 5; i++) {
      const want = expected[i];
      const got = this.received[i];
      if (want?.seq === got?.seq && want?.type === got?.type) continue;
      problems.push(
        `${log[0]?.threadId}: event ${i + 1} after seq ${this.snapshotSeq} is ${got ? `${got.seq} ${got.type}` : "missing"}, log has ${want ? `${want.seq} ${want.type}` : "nothing"}`,
      );
    }
    return problems;
  }

  /** Disconnects. */
  close(): void {
    this.controller.abort();
  }
}

/** Creates every thread in `threadIds` over HTTP, `concurrency` at a time; fails on any non-201. */
export async function createThreads(
  baseUrl: string,
  threadIds: readonly string[],
  concurrency = 20,
): Promise<void> {
  const queue = [...threadIds];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const response = await fetch(`${baseUrl}${PATHS.threads}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id }),
      });
      if (response.status !== 201) throw new Error(`creating ${id}: ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** One message as `GET /v1/messages/:id` answers it: its status and the exact response text. */
export async function fetchMessage(
  baseUrl: string,
  messageId: string,
): Promise<{ status: number; text: string; message?: StoredMessage }> {
  const response = await fetch(`${baseUrl}${PATHS.message(messageId)}`);
  const text = await response.text();
  if (response.status !== 200) return { status: response.status, text };
  return { status: 200, text, message: (JSON.parse(text) as { message: StoredMessage }).message };
}
