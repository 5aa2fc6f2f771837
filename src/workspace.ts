import {
  type ChatTurn,
  historyOf,
  type ReceiveChatOptions,
  receiveChat,
} from "./ai-sdk/receive-chat.js";
import {
  type ChatReply,
  type RespondOptions,
  type RespondSource,
  respond,
} from "./ai-sdk/respond.js";
import { resumeUIMessageStream } from "./ai-sdk/resume.js";
import {
  toUIMessageStreamResponse,
  type UIMessageStreamResponseInit,
} from "./ai-sdk/ui-message-stream-response.js";
import type { Broker } from "./broker/broker.js";
import type { Clock, IdGenerator } from "./clock.js";
import { ThreadlineError } from "./errors.js";
import {
  type AppendOptions,
  type AppendResult,
  type InboundDeps,
  receiveMessage,
} from "./inbound/receive-message.js";
import { stopMessage } from "./lifecycle/stop-message.js";
import type { MessageRole, UIMessage, UIMessageChunk } from "./message/types.js";
import { validateMessageParts } from "./message/validate-message-parts.js";
import type { EventHub } from "./observe.js";
import type { StopResult, StoredMessage, Thread } from "./protocol/resources.js";
import type { Store, ThreadPage } from "./store/store.js";
import { type SubscribeOptions, Subscription } from "./subscription/subscription.js";
import type { CoalescingWriter } from "./writer/coalescing-writer.js";
import { MessageWriter } from "./writer/message-writer.js";

/** The shared machinery behind every workspace view. */
export interface WorkspaceDeps {
  store: Store;
  events: EventHub;
  /** How long a stop waits for another node's writer to end the message (ms, R28). */
  stopTimeoutMs: number;
  broker: Broker;
  writer: CoalescingWriter;
  clock: Clock;
  generateId: IdGenerator;
  /** Idempotency claims and run triggers (R21–R23). */
  inbound: InboundDeps;
}

/** Input of {@link ThreadlineWorkspace.threads}`.create`. */
export interface CreateThreadOptions {
  id?: string;
  title?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** Input of {@link ThreadlineWorkspace.messages}`.append`: a complete message. */
export interface AppendMessageInput {
  id?: string;
  role: MessageRole;
  parts: UIMessage["parts"];
  metadata?: unknown;
}

/** Options of {@link ThreadlineWorkspace.writers}`.open`. */
export interface OpenWriterOptions {
  /** The assistant message id; default a generated one (use the `start` chunk's `messageId`). */
  messageId?: string;
  /** Initial message metadata. */
  metadata?: unknown;
}

const MAX_PAGE = 200;

/**
 * Threadline scoped to one workspace (the tenant, SPEC §1): every call reads and writes only that
 * workspace's rows, and another workspace's ids answer `not_found`.
 */
export class ThreadlineWorkspace {
  constructor(
    readonly workspaceId: string,
    protected readonly deps: WorkspaceDeps,
  ) {}

  /** Threads: create, read, list, delete (SPEC §3). */
  readonly threads = {
    /**
     * Creates a thread; its log starts with `thread.created` at seq 1.
     * @throws ThreadlineError `conflict` when the id is taken, `bad_request` for a bad id.
     */
    create: async (options: CreateThreadOptions = {}): Promise<Thread> => {
      const id = options.id ?? this.deps.generateId();
      checkId(id, "thread id");
      const { thread, event } = await this.deps.store.createThread(
        this.workspaceId,
        { id, title: options.title ?? null, metadata: options.metadata ?? null },
        this.deps.clock.now(),
      );
      await this.deps.broker.publish(this.workspaceId, event);
      return thread;
    },
    /** Reads a thread. @throws ThreadlineError `not_found`. */
    get: async (threadId: string): Promise<Thread> => {
      const thread = await this.deps.store.getThread(this.workspaceId, threadId);
      if (!thread) throw threadNotFound(threadId);
      return thread;
    },
    /** Lists threads newest first, `limit` (1–200, default 50) at a time. */
    list: async (options: { limit?: number; cursor?: string } = {}): Promise<ThreadPage> => {
      const limit = options.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
        throw new ThreadlineError("bad_request", `limit must be an integer from 1 to ${MAX_PAGE}`);
      }
      return this.deps.store.listThreads(this.workspaceId, {
        limit,
        ...(options.cursor ? { cursor: options.cursor } : {}),
      });
    },
    /**
     * Forks a thread (R19): a new thread whose history equals the source up to `atSeq`, or up to
     * the last event of `atMessageId` (default: the whole log), with `forkedFrom` set. The source is
     * never modified. @throws ThreadlineError `not_found`, `bad_offset`, `conflict`.
     */
    fork: async (
      threadId: string,
      options: { atSeq?: number; atMessageId?: string } & CreateThreadOptions = {},
    ): Promise<Thread> => {
      const id = options.id ?? this.deps.generateId();
      checkId(id, "thread id");
      const { thread, events } = await this.deps.store.forkThread(
        this.workspaceId,
        threadId,
        {
          ...(options.atSeq === undefined ? {} : { atSeq: options.atSeq }),
          ...(options.atMessageId === undefined ? {} : { atMessageId: options.atMessageId }),
        },
        { id, title: options.title ?? null, metadata: options.metadata ?? null },
        this.deps.generateId,
        this.deps.clock.now(),
      );
      for (const event of events) await this.deps.broker.publish(this.workspaceId, event);
      return thread;
    },
    /**
     * Deletes a thread, its messages and log; live subscribers get `thread.deleted` and close (R20).
     * @throws ThreadlineError `not_found`.
     */
    delete: async (threadId: string): Promise<void> => {
      this.deps.writer.dropThread(this.workspaceId, threadId);
      const deleted = await this.deps.store.deleteThread(this.workspaceId, threadId);
      if (!deleted) throw threadNotFound(threadId);
      this.deps.broker.closeThread(this.workspaceId, threadId);
    },
  };

  /** Messages: append complete ones, read (read-your-writes, R8), delete. */
  readonly messages = {
    /**
     * Appends a complete message (status `completed`) with a `message.created` event. With an
     * `idempotencyKey` it is stored at most once per key (R21): a repeat returns the original
     * message. A user message (re)arms its thread's run trigger in the same transaction, with
     * `run` options (R22); see {@link submit} to also learn whether the key replayed.
     *
     * @throws ThreadlineError `not_found` (thread), `conflict` (id taken; key in flight or taken
     *   over), `bad_request` (message, key or run options).
     * @example
     * ```ts
     * await threadline.messages.append(thread.id, { role: "user", parts: [{ type: "text", text: "Hi" }] },
     *   { idempotencyKey: "lark-msg-42", run: { forceFresh: true, model: "fast" } });
     * ```
     */
    append: async (
      threadId: string,
      input: AppendMessageInput,
      options: AppendOptions = {},
    ): Promise<StoredMessage> => (await this.messages.submit(threadId, input, options)).message,
    /**
     * {@link append}, also telling whether the idempotency key replayed an earlier message
     * (`replayed`: HTTP answers 200 instead of 201, R21). Same errors as `append`.
     */
    submit: async (
      threadId: string,
      input: AppendMessageInput,
      options: AppendOptions = {},
    ): Promise<AppendResult> => {
      checkMessageInput(input);
      const message = {
        threadId,
        id: input.id ?? this.deps.generateId(),
        role: input.role,
        status: "completed" as const,
        parts: input.parts,
        metadata: input.metadata,
      };
      return receiveMessage(this.deps.inbound, this.workspaceId, message, options);
    },
    /** Reads a message, buffered chunks included (R8). @throws ThreadlineError `not_found`. */
    get: async (messageId: string): Promise<StoredMessage> => {
      const buffered = this.deps.writer.get(this.workspaceId, messageId);
      if (buffered && !buffered.closed) return buffered.current();
      const message = await this.deps.store.getMessage(this.workspaceId, messageId);
      if (!message) throw new ThreadlineError("not_found", `message ${messageId} not found`);
      return message;
    },
    /**
     * Lists a thread's messages in order with the log offset they reflect; messages this process is
     * writing include their buffered chunks (R8). @throws ThreadlineError `not_found`.
     */
    list: async (threadId: string): Promise<{ messages: StoredMessage[]; seq: number }> => {
      const snapshot = await this.deps.store.readSnapshot(this.workspaceId, threadId);
      if (!snapshot) throw threadNotFound(threadId);
      const buffered = new Map(
        this.deps.writer
          .pendingOfThread(this.workspaceId, threadId)
          .filter((p) => !p.closed)
          .map((p) => [p.id, p.current()]),
      );
      return {
        messages: snapshot.messages.map((m) => buffered.get(m.id) ?? m),
        seq: snapshot.seq,
      };
    },
    /**
     * Deletes a message: its buffered state is dropped and never written back (R8).
     * @throws ThreadlineError `not_found`.
     */
    delete: async (messageId: string): Promise<void> => {
      this.deps.writer.drop(this.workspaceId, messageId);
      const deleted = await this.deps.store.deleteMessage(
        this.workspaceId,
        messageId,
        this.deps.clock.now(),
      );
      if (!deleted) throw new ThreadlineError("not_found", `message ${messageId} not found`);
      await this.deps.broker.publish(this.workspaceId, deleted.event);
    },
  };

  /** Streaming writers. */
  readonly writers = {
    /**
     * Creates a streaming assistant message with this node's writer lease (R14, R18) and returns
     * its writer. @throws ThreadlineError `not_found` (thread), `conflict` (id taken).
     */
    open: async (threadId: string, options: OpenWriterOptions = {}): Promise<MessageWriter> => {
      const id = options.messageId ?? this.deps.generateId();
      checkId(id, "message id");
      const now = this.deps.clock.now();
      const { writer } = this.deps;
      const { message, event } = await this.deps.store.createMessage(
        this.workspaceId,
        {
          threadId,
          id,
          role: "assistant",
          status: "streaming",
          parts: [],
          metadata: options.metadata,
          lease: { owner: writer.nodeId, expiresAt: now + writer.leaseTtlMs },
        },
        now,
      );
      const pending = writer.track(message, this.workspaceId);
      await this.deps.broker.publish(this.workspaceId, event);
      return new MessageWriter(writer, pending);
    },
  };

  /**
   * The AI SDK integration (R28, R29): the three calls of a chat route that persists, resumes and
   * stops generations, in any framework that speaks Web `Request`/`Response`/`ReadableStream`.
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
  readonly chat = {
    /**
     * Stores what an AI SDK chat request (`{ id, messages, trigger, messageId? }`, a `Request` or
     * its parsed JSON) adds to its thread — the new user message once per id (R21), or a
     * regenerate's superseding — and returns the stored history for the model.
     * See {@link receiveChat}. @throws ThreadlineError `bad_request`, `not_found`, `conflict`.
     */
    receive: (input: Request | unknown, options: ReceiveChatOptions = {}): Promise<ChatTurn> =>
      receiveChat(this, input, options),
    /**
     * The thread's finished messages as plain AI SDK `UIMessage`s, oldest first: the initial
     * `messages` of `useChat` on page load. A streaming message is left out, since the client
     * gets it whole from `resume` — passing it too would make the AI SDK append the resumed
     * chunks to it (duplicated parts). @throws ThreadlineError `not_found`.
     */
    history: (threadId: string): Promise<UIMessage[]> => historyOf(this, threadId),
    /**
     * Persists a generation's UI message stream as one assistant message while streaming it to the
     * client (R29); a stop cancels it through the factory's `abortSignal` (R28). See {@link respond}.
     * @throws ThreadlineError `bad_request` (empty stream), `not_found`, `conflict`.
     */
    respond: (
      threadId: string,
      source: RespondSource,
      options: RespondOptions = {},
    ): Promise<ChatReply> =>
      respond(
        {
          generateId: this.deps.generateId,
          openWriter: (id, open) => this.writers.open(id, open),
        },
        threadId,
        source,
        options,
      ),
    /**
     * The streaming message's UI message stream from its `start` chunk, then live, then done;
     * `null` when nothing streams, the thread not existing (yet) included: `useChat` resumes every
     * chat it opens (SPEC §3 `GET /v1/threads/:id/stream`).
     */
    resume: (threadId: string): Promise<ReadableStream<UIMessageChunk> | null> =>
      resumeUIMessageStream(
        {
          listMessages: (id) => this.messages.list(id),
          subscribe: (id, options) => this.subscribe(id, options),
        },
        threadId,
      ),
    /**
     * {@link resume} as a `Response`: 204 when nothing streams, else the SSE UI message stream
     * with the AI SDK's headers — what `useChat({ resume: true })` expects from `GET …/stream`.
     */
    resumeResponse: async (
      threadId: string,
      init: UIMessageStreamResponseInit = {},
    ): Promise<Response> => {
      const stream = await this.chat.resume(threadId);
      if (!stream) return new Response(null, { status: 204 });
      return toUIMessageStreamResponse(stream, init);
    },
  };

  /**
   * Stops the thread's streaming message, or the message `messageId` of the thread, from any node
   * (R28): the producer holding its writer lease accepts an `abort` chunk and its
   * {@link MessageWriter.signal} aborts, cancelling the generation; the message ends `aborted`
   * keeping its partial parts (R16) and every viewer sees `message.finished`. Stopping what is not
   * streaming answers `{ stopped: false }`. See {@link stopMessage}.
   *
   * @throws ThreadlineError `not_found` (thread; message not in the thread).
   * @example
   * ```ts
   * const { stopped, message } = await threadline.stop(threadId);
   * ```
   */
  stop(threadId: string, options: { messageId?: string } = {}): Promise<StopResult> {
    return stopMessage(
      {
        store: this.deps.store,
        writer: this.deps.writer,
        broker: this.deps.broker,
        clock: this.deps.clock,
        hub: this.deps.events,
        stopTimeoutMs: this.deps.stopTimeoutMs,
        subscribe: (workspaceId, id, after) =>
          new Subscription(this.deps.store, this.deps.broker, this.deps.clock, workspaceId, id, {
            after,
          }),
      },
      this.workspaceId,
      threadId,
      options,
    );
  }

  /**
   * Stores a finished message as it was exported elsewhere (status, error text and all), with a
   * `message.created` event: the import half of `threadline export` / `import`.
   * @throws ThreadlineError `bad_request` (a `streaming` status or bad shape), `not_found`, `conflict`.
   */
  async importMessage(
    threadId: string,
    message: StoredMessage,
    now: number,
  ): Promise<StoredMessage> {
    checkMessageInput(message);
    if (message.status === "streaming") {
      throw new ThreadlineError(
        "bad_request",
        "an imported message must be finished, not streaming",
      );
    }
    const { message: stored, event } = await this.deps.store.createMessage(
      this.workspaceId,
      {
        threadId,
        id: message.id,
        role: message.role,
        status: message.status,
        parts: message.parts,
        metadata: message.metadata,
        ...(message.errorText === undefined ? {} : { errorText: message.errorText }),
      },
      now,
    );
    await this.deps.broker.publish(this.workspaceId, event);
    return stored;
  }

  /**
   * Subscribes to a thread: a snapshot then live events, or with `after` the log from `after + 1`
   * then live; every event exactly once in seq order (R11–R13). Errors (`not_found`, `bad_offset`)
   * surface on the first `next()`.
   */
  subscribe(threadId: string, options: SubscribeOptions = {}): Subscription {
    return new Subscription(
      this.deps.store,
      this.deps.broker,
      this.deps.clock,
      this.workspaceId,
      threadId,
      options,
    );
  }

  /** Resolves once every buffered and in-flight change of the message has committed (R7). */
  flush(messageId: string): Promise<void> {
    return this.deps.writer.flush(this.workspaceId, messageId);
  }
}

function threadNotFound(threadId: string): ThreadlineError {
  return new ThreadlineError("not_found", `thread ${threadId} not found`);
}

function checkId(id: unknown, what: string): void {
  if (typeof id !== "string" || id.length === 0 || id.length > 200) {
    throw new ThreadlineError(
      "bad_request",
      `${what} must be a non-empty string of at most 200 characters`,
    );
  }
}

const ROLES: readonly string[] = ["user", "assistant", "system"];

/**
 * The one check of a complete message, whichever way it comes in (`messages.append`/`submit`, the
 * HTTP POST, `importMessage`): its id, its role, and every part as ai 7's `validateUIMessages` would
 * (SPEC R2, {@link validateMessageParts}).
 * @throws ThreadlineError `bad_request`; for a bad part the message names its index and the reason
 *   (`parts[2]: unknown part type "banana"`) and `details.partIndex` holds it.
 */
function checkMessageInput(input: AppendMessageInput): void {
  if (input.id !== undefined) checkId(input.id, "message id");
  if (!ROLES.includes(input.role)) {
    throw new ThreadlineError("bad_request", `role must be one of ${ROLES.join(", ")}`);
  }
  validateMessageParts(input.parts);
}
