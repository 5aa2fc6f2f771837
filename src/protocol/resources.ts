import type { MessageStatus, UIMessage, UIMessageChunk } from "../message/types.js";

/**
 * A conversation (SPEC §1 "Thread"). Times are milliseconds since the epoch; `headSeq` is the seq of
 * the thread's newest event (0 for none).
 */
export interface Thread {
  id: string;
  title: string | null;
  metadata: Record<string, unknown> | null;
  /** Set on a fork: the source thread and the seq it was forked at (R19). */
  forkedFrom: { threadId: string; seq: number } | null;
  createdAt: number;
  /**
   * When the thread's newest event was written — up to 1 s earlier while a message streams: a
   * streaming tick moves it at most once a second (`THREAD_UPDATED_AT_SLACK_MS`, issue 9).
   */
  updatedAt: number;
  headSeq: number;
}

/**
 * A persisted message: an AI SDK `UIMessage` plus its place in a thread and its lifecycle
 * (SPEC §1 "Message", R14–R16). `revision` grows by one on every persisted change.
 *
 * `MESSAGE` is the app's own message type (`UIMessage<METADATA, DATA_PARTS, TOOLS>` from `ai`),
 * default Threadline's untyped {@link UIMessage}. It is a static promise only: Threadline checks
 * parts against the AI SDK's part schemas (R2), not against the app's metadata or data schemas;
 * the app checks those, e.g. with `validateUIMessages({ messages, metadataSchema, dataSchemas })`.
 */
export type StoredMessage<MESSAGE extends UIMessage = UIMessage> = MESSAGE & MessageLifecycle;

/** The fields Threadline adds to a message it stores (see {@link StoredMessage}). */
export interface MessageLifecycle {
  threadId: string;
  status: MessageStatus;
  revision: number;
  /** Seq of the `message.created` event: the message's position in its thread. */
  createdSeq: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** The error text of a message finalized `error` (R16). */
  errorText?: string;
}

/**
 * The body of a `message.delta` event: the chunks accepted in one window, applied in order. When
 * the producer replaced the whole message (`update`), `message` comes first and the chunks apply
 * on top of it, with no part open.
 */
export interface MessageDelta<MESSAGE extends UIMessage = UIMessage> {
  message?: MESSAGE;
  chunks: UIMessageChunk[];
}

/** What a stop did (R28; SPEC §3 `POST /v1/threads/:id/stop` → 200 `{stopped, message}`). */
export interface StopResult<MESSAGE extends UIMessage = UIMessage> {
  /**
   * True when this request ended the message (`aborted`); false when there was nothing to stop:
   * no message streaming, the message already finished (a `finish` that won the race), or its
   * writer on another node did not answer within the stop timeout.
   */
  stopped: boolean;
  /** The targeted message as it stands now; null when the thread had no streaming message. */
  message: StoredMessage<MESSAGE> | null;
}
