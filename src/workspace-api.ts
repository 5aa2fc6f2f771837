import type { ChatTurn, ReceiveChatOptions } from "./ai-sdk/receive-chat.js";
import type { ChatReply, RespondOptions, RespondSource } from "./ai-sdk/respond.js";
import type { UIMessageStreamResponseInit } from "./ai-sdk/ui-message-stream-response.js";
import type { AppendOptions, AppendResult } from "./inbound/receive-message.js";
import type { UIMessage, UIMessageChunk } from "./message/types.js";
import type { StoredMessage } from "./protocol/resources.js";
import type { MessageWriter } from "./writer/message-writer.js";

/*
 * The message-typed groups of `ThreadlineWorkspace<MESSAGE>`. They are interfaces of methods, not
 * inferred arrow-function types, so a `Threadline<MyUIMessage>` is still a `Threadline` (method
 * parameters compare bivariantly): `createApp({ threadline })` and every other untyped consumer
 * take a typed instance as it is.
 */

/**
 * Input of {@link WorkspaceMessages.append}: a complete message, with the role, parts and metadata
 * of the app's `MESSAGE` type.
 */
export interface AppendMessageInput<MESSAGE extends UIMessage = UIMessage> {
  id?: string;
  role: MESSAGE["role"];
  parts: MESSAGE["parts"];
  metadata?: MESSAGE["metadata"];
}

/** Options of {@link WorkspaceWriters.open}. */
export interface OpenWriterOptions<MESSAGE extends UIMessage = UIMessage> {
  /** The assistant message id; default a generated one (use the `start` chunk's `messageId`). */
  messageId?: string;
  /** Initial message metadata. */
  metadata?: MESSAGE["metadata"];
}

/** `threadline.messages`: append complete messages, read (read-your-writes, R8), delete. */
export interface WorkspaceMessages<MESSAGE extends UIMessage = UIMessage> {
  /**
   * Appends a complete message (status `completed`) with a `message.created` event. With an
   * `idempotencyKey` it is stored at most once per key (R21): a repeat returns the original
   * message. A user message (re)arms its thread's run trigger in the same transaction, with
   * `run` options (R22); see {@link submit} to also learn whether the key replayed.
   *
   * @throws ThreadlineError `not_found` (thread), `conflict` (id taken; key in flight or taken
   *   over), `bad_request` (message, key or run options; R30: a NUL character or JSON nested past
   *   64 levels in any of them, the field named, e.g. `metadata contains a NUL character`),
   *   `rate_limited` (429, R33: the workspace's `chunksPerSecond` or `bytesPerSecond` would make it
   *   wait; `details.retryAfterMs`).
   * @example
   * ```ts
   * await threadline.messages.append(thread.id, { role: "user", parts: [{ type: "text", text: "Hi" }] },
   *   { idempotencyKey: "lark-msg-42", run: { forceFresh: true, model: "fast" } });
   * ```
   */
  append(
    threadId: string,
    input: AppendMessageInput<MESSAGE>,
    options?: AppendOptions,
  ): Promise<StoredMessage<MESSAGE>>;
  /**
   * {@link append}, also telling whether the idempotency key replayed an earlier message
   * (`replayed`: HTTP answers 200 instead of 201, R21). Same errors as `append`.
   */
  submit(
    threadId: string,
    input: AppendMessageInput<MESSAGE>,
    options?: AppendOptions,
  ): Promise<AppendResult<MESSAGE>>;
  /**
   * Reads a message, buffered chunks included (R8).
   * @throws ThreadlineError `not_found`, `bad_request` (a NUL in the id, R30).
   */
  get(messageId: string): Promise<StoredMessage<MESSAGE>>;
  /**
   * Lists a thread's messages in order with the log offset they reflect; messages this process is
   * writing include their buffered chunks (R8).
   * @throws ThreadlineError `not_found`, `bad_request` (a NUL in the id, R30).
   */
  list(threadId: string): Promise<{ messages: StoredMessage<MESSAGE>[]; seq: number }>;
  /**
   * Deletes a message: its buffered state is dropped and never written back (R8).
   * @throws ThreadlineError `not_found`, `bad_request` (a NUL in the id, R30).
   */
  delete(messageId: string): Promise<void>;
}

/** `threadline.writers`: streaming writers. */
export interface WorkspaceWriters<MESSAGE extends UIMessage = UIMessage> {
  /**
   * Creates a streaming assistant message with this node's writer lease (R14, R18) and returns
   * its writer. @throws ThreadlineError `not_found` (thread), `conflict` (id taken),
   * `bad_request` (a bad id; R30: a NUL in an id or `metadata`, `metadata` nested past 64 levels),
   * `rate_limited` (429, R33: the workspace has `maxStreamingMessages` open; the slot frees when
   * one of them ends). Its writes wait their turn past the workspace's chunk or byte rate.
   */
  open(threadId: string, options?: OpenWriterOptions<MESSAGE>): Promise<MessageWriter<MESSAGE>>;
}

/**
 * `threadline.chat`, the AI SDK integration (R28, R29): the three calls of a chat route that
 * persists, resumes and stops generations, in any framework that speaks Web
 * `Request`/`Response`/`ReadableStream`.
 *
 * @example
 * ```ts
 * // POST /api/chat (DefaultChatTransport's body)
 * const turn = await threadline.chat.receive(request);
 * const reply = await threadline.chat.respond(turn.threadId, async ({ abortSignal }) =>
 *   streamText({ model, messages: await convertToModelMessages(turn.messages), abortSignal })
 *     .toUIMessageStream(),
 * );
 * return reply.toResponse();
 * // GET /api/chat/:id/stream (useChat({ resume: true }))
 * return threadline.chat.resumeResponse(id);
 * // POST /api/chat/:id/stop
 * return Response.json(await threadline.stop(id));
 * ```
 */
export interface WorkspaceChat<MESSAGE extends UIMessage = UIMessage> {
  /**
   * Stores what an AI SDK chat request (`{ id, messages, trigger, messageId? }`, a `Request` or
   * its parsed JSON) adds to its thread — the new user message once per id (R21), or a
   * regenerate's superseding — and returns the stored history for the model.
   * See `receiveChat`. @throws ThreadlineError `bad_request`, `not_found`, `conflict`.
   */
  receive(input: Request | unknown, options?: ReceiveChatOptions): Promise<ChatTurn<MESSAGE>>;
  /**
   * The thread's finished messages as plain `MESSAGE`s (without Threadline's lifecycle fields,
   * so ai's `convertToModelMessages` and `validateUIMessages` take them as they are), oldest
   * first: the initial `messages` of `useChat` on page load. A streaming message is left out,
   * since the client gets it whole from `resume` — passing it too would make the AI SDK append
   * the resumed chunks to it (duplicated parts). @throws ThreadlineError `not_found`.
   */
  history(threadId: string): Promise<MESSAGE[]>;
  /**
   * Persists a generation's UI message stream as one assistant message while streaming it to the
   * client (R29); a stop cancels it through the factory's `abortSignal` (R28). See `respond`.
   * @throws ThreadlineError `bad_request` (empty stream), `not_found`, `conflict`.
   */
  respond(
    threadId: string,
    source: RespondSource,
    options?: RespondOptions<MESSAGE>,
  ): Promise<ChatReply<MESSAGE>>;
  /**
   * The streaming message's UI message stream from its `start` chunk, then live, then done;
   * `null` when nothing streams, the thread not existing (yet) included: `useChat` resumes every
   * chat it opens (SPEC §3 `GET /v1/threads/:id/stream`).
   */
  resume(threadId: string): Promise<ReadableStream<UIMessageChunk> | null>;
  /**
   * {@link resume} as a `Response`: 204 when nothing streams, else the SSE UI message stream
   * with the AI SDK's headers — what `useChat({ resume: true })` expects from `GET …/stream`.
   */
  resumeResponse(threadId: string, init?: UIMessageStreamResponseInit): Promise<Response>;
}
