import { historyOf, receiveChat } from "./ai-sdk/receive-chat.js";
import { respond } from "./ai-sdk/respond.js";
import { resumeUIMessageStream } from "./ai-sdk/resume.js";
import { toUIMessageStreamResponse } from "./ai-sdk/ui-message-stream-response.js";
import type { Broker } from "./broker/broker.js";
import type { Clock, IdGenerator } from "./clock.js";
import { ThreadlineError } from "./errors.js";
import { CountedSubscription } from "./fairness/counted-subscription.js";
import type { WorkspaceQuotas } from "./fairness/workspace-quotas.js";
import { type AppendResult, type InboundDeps, receiveMessage } from "./inbound/receive-message.js";
import type { Lifetime } from "./lifecycle/lifetime.js";
import { stopMessage } from "./lifecycle/stop-message.js";
import { assertStorable } from "./message/json-input.js";
import type { UIMessage } from "./message/types.js";
import type { EventHub } from "./observe.js";
import type { StopResult, StoredMessage, Thread } from "./protocol/resources.js";
import type { Store, ThreadPage } from "./store/store.js";
import { type SubscribeOptions, Subscription } from "./subscription/subscription.js";
import type { WorkspaceChat, WorkspaceMessages, WorkspaceWriters } from "./workspace-api.js";
import { checkId, checkMessageInput, checkThreadInput } from "./workspace-input.js";
import type { CoalescingWriter } from "./writer/coalescing-writer.js";
import { MessageWriter } from "./writer/message-writer.js";
import type { PendingMessage } from "./writer/pending-message.js";

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
  /** Open until `close()`: then every entry throws `closed` (R31). */
  lifetime: Lifetime;
  /**
   * Deletes a thread in bounded batches (R20; `ThreadPurger.deleteThread`): its viewers get
   * `thread.deleted`, its writers `message_finalized`. @returns false when there was none.
   */
  deleteThread(workspaceId: string, threadId: string): Promise<boolean>;
  /** Per-workspace limits (R33): stream and subscriber slots, chunk and byte rates. */
  quotas: WorkspaceQuotas;
}

/** Input of {@link ThreadlineWorkspace.threads}`.create`. */
export interface CreateThreadOptions {
  id?: string;
  title?: string | null;
  metadata?: Record<string, unknown> | null;
}

const MAX_PAGE = 200;

/**
 * Threadline scoped to one workspace (the tenant, SPEC §1): every call reads and writes only that
 * workspace's rows, and another workspace's ids answer `not_found`.
 *
 * `MESSAGE` is the app's message type, e.g. `UIMessage<METADATA, DATA_PARTS, TOOLS>` from `ai`
 * (default Threadline's untyped {@link UIMessage}): reads return it (as {@link StoredMessage}), writes
 * take its parts and metadata, so an app needs no casts. It is a static promise only: Threadline
 * checks parts against the AI SDK's part schemas (R2), never against the app's metadata or data
 * schemas — the app checks those, e.g. with `validateUIMessages({ metadataSchema, dataSchemas })`.
 * The stored rows are untyped, so this class is where they are cast to `MESSAGE`.
 *
 * Once its Threadline is closed, every method throws or rejects with ThreadlineError `closed`
 * (HTTP 503, R31); `subscribe` throws at once.
 */
export class ThreadlineWorkspace<MESSAGE extends UIMessage = UIMessage> {
  constructor(
    readonly workspaceId: string,
    protected readonly deps: WorkspaceDeps,
  ) {}

  /** Threads: create, read, list, delete (SPEC §3). */
  readonly threads = {
    /**
     * Creates a thread; its log starts with `thread.created` at seq 1.
     * @throws ThreadlineError `conflict` when the id is taken, `bad_request` for a bad id, title or
     *   metadata (R30: a NUL character, metadata nested past 64 levels; named).
     */
    create: async (options: CreateThreadOptions = {}): Promise<Thread> => {
      this.deps.lifetime.ensureOpen();
      const id = options.id ?? this.deps.generateId();
      checkThreadInput({ ...options, id });
      const { thread } = await this.deps.store.createThread(
        this.workspaceId,
        { id, title: options.title ?? null, metadata: options.metadata ?? null },
        this.deps.clock.now(),
      );
      return thread;
    },
    /** Reads a thread. @throws ThreadlineError `not_found`, `bad_request` (a NUL in the id, R30). */
    get: async (threadId: string): Promise<Thread> => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      const thread = await this.deps.store.getThread(this.workspaceId, threadId);
      if (!thread) throw threadNotFound(threadId);
      return thread;
    },
    /** Lists threads newest first, `limit` (1–200, default 50) at a time. */
    list: async (options: { limit?: number; cursor?: string } = {}): Promise<ThreadPage> => {
      this.deps.lifetime.ensureOpen();
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
     * never modified. Compacted history forks the same (R32), except at a seq where a message whose
     * deltas were compacted was still streaming: its state there is gone.
     * @throws ThreadlineError `not_found`, `bad_offset`, `conflict`, `bad_request` (as `create`; a
     *   NUL in `threadId` or `atMessageId`, R30), `compacted` (410, that fork point, R32).
     */
    fork: async (
      threadId: string,
      options: { atSeq?: number; atMessageId?: string } & CreateThreadOptions = {},
    ): Promise<Thread> => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      assertStorable("atMessageId", options.atMessageId);
      const id = options.id ?? this.deps.generateId();
      checkThreadInput({ ...options, id });
      const { thread } = await this.deps.store.forkThread(
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
      return thread;
    },
    /**
     * Deletes a thread, its messages and log; live subscribers get `thread.deleted` and close (R20).
     * The thread is gone for every reader and writer after one short transaction; its rows then go
     * in transactions of at most `retention.batchRows` rows, before this resolves.
     * @throws ThreadlineError `not_found`, `bad_request` (a NUL in the id, R30).
     */
    delete: async (threadId: string): Promise<void> => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      const deleted = await this.deps.deleteThread(this.workspaceId, threadId);
      if (!deleted) throw threadNotFound(threadId);
    },
  };

  /** Messages: append complete ones, read (read-your-writes, R8), delete. */
  readonly messages: WorkspaceMessages<MESSAGE> = {
    append: async (threadId, input, options = {}) =>
      (await this.messages.submit(threadId, input, options)).message,
    submit: async (threadId, input, options = {}) => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      checkMessageInput(input);
      this.deps.quotas.chargeMessage(this.workspaceId, () =>
        Buffer.byteLength(JSON.stringify([input.parts, input.metadata ?? null])),
      );
      const message = {
        threadId,
        id: input.id ?? this.deps.generateId(),
        role: input.role,
        status: "completed" as const,
        parts: input.parts,
        metadata: input.metadata,
      };
      const result = receiveMessage(this.deps.inbound, this.workspaceId, message, options);
      return result as Promise<AppendResult<MESSAGE>>;
    },
    get: async (messageId) => {
      this.deps.lifetime.ensureOpen();
      assertStorable("message id", messageId);
      const buffered = this.deps.writer.get(this.workspaceId, messageId);
      if (buffered && !buffered.closed) return buffered.current() as StoredMessage<MESSAGE>;
      const message = await this.deps.store.getMessage(this.workspaceId, messageId);
      if (!message) throw new ThreadlineError("not_found", `message ${messageId} not found`);
      return message as StoredMessage<MESSAGE>;
    },
    list: async (threadId) => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      const snapshot = await this.deps.store.readSnapshot(this.workspaceId, threadId);
      if (!snapshot) throw threadNotFound(threadId);
      const buffered = new Map(
        this.deps.writer
          .pendingOfThread(this.workspaceId, threadId)
          .filter((p) => !p.closed)
          .map((p) => [p.id, p.current()]),
      );
      return {
        messages: snapshot.messages.map((m) => (buffered.get(m.id) ?? m) as StoredMessage<MESSAGE>),
        seq: snapshot.seq,
      };
    },
    delete: async (messageId) => {
      this.deps.lifetime.ensureOpen();
      assertStorable("message id", messageId);
      this.deps.writer.drop(this.workspaceId, messageId);
      const deleted = await this.deps.store.deleteMessage(
        this.workspaceId,
        messageId,
        this.deps.clock.now(),
      );
      if (!deleted) throw new ThreadlineError("not_found", `message ${messageId} not found`);
    },
  };

  /** Streaming writers. */
  readonly writers: WorkspaceWriters<MESSAGE> = {
    open: async (threadId, options = {}) => {
      this.deps.lifetime.ensureOpen();
      assertStorable("thread id", threadId);
      const id = options.messageId ?? this.deps.generateId();
      checkId(id, "message id");
      assertStorable("metadata", options.metadata);
      const now = this.deps.clock.now();
      const { writer, quotas } = this.deps;
      const slot = quotas.reserveStream(this.workspaceId); // R33: 429 past the stream limit
      let pending: PendingMessage | undefined;
      try {
        await this.deps.store.createMessage(
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
          // Tracked before its message.created reaches any viewer: a stop it prompts finds it.
          (message) => {
            pending = writer.track(message, this.workspaceId);
          },
        );
      } catch (error) {
        slot?.cancel();
        throw error;
      }
      if (!pending) throw new ThreadlineError("internal", `message ${id} was not tracked`);
      slot?.bind(pending); // free again once the writer's own state says the message ended
      return new MessageWriter<MESSAGE>(writer, pending, quotas.chunkGate(this.workspaceId));
    },
  };

  /** The AI SDK integration (R28, R29); see {@link WorkspaceChat}. */
  readonly chat: WorkspaceChat<MESSAGE> = {
    receive: (input, options = {}) =>
      this.deps.lifetime.guard(() => receiveChat(this, input, options)),
    history: (threadId) => this.deps.lifetime.guard(() => historyOf(this, threadId)),
    respond: (threadId, source, options = {}) =>
      this.deps.lifetime.guard(() =>
        respond(
          {
            generateId: this.deps.generateId,
            openWriter: (id, open) => this.writers.open(id, open),
          },
          threadId,
          source,
          options,
        ),
      ),
    resume: (threadId) =>
      this.deps.lifetime.guard(() =>
        resumeUIMessageStream(
          {
            listMessages: (id) => this.messages.list(id),
            subscribe: (id, options) => this.subscribe(id, options),
          },
          threadId,
        ),
      ),
    resumeResponse: async (threadId, init = {}) => {
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
   * @throws ThreadlineError `not_found` (thread; message not in the thread), `bad_request` (a NUL
   *   in an id, R30).
   * @example
   * ```ts
   * const { stopped, message } = await threadline.stop(threadId);
   * ```
   */
  stop(threadId: string, options: { messageId?: string } = {}): Promise<StopResult<MESSAGE>> {
    const result = this.deps.lifetime.guard(async () => {
      assertStorable("thread id", threadId);
      assertStorable("message id", options.messageId);
      return stopMessage(
        {
          store: this.deps.store,
          writer: this.deps.writer,
          clock: this.deps.clock,
          hub: this.deps.events,
          stopTimeoutMs: this.deps.stopTimeoutMs,
          subscribe: (workspaceId, id, after) =>
            new Subscription(this.deps.store, this.deps.broker, this.deps.clock, workspaceId, id, {
              after,
              onCompacted: "skip", // it waits for a streaming message's end, never compacted (R32)
            }),
        },
        this.workspaceId,
        threadId,
        options,
      );
    });
    return result as Promise<StopResult<MESSAGE>>;
  }

  /**
   * Stores a finished message as it was exported elsewhere (status, error text and all), with a
   * `message.created` event: the import half of `threadline export` / `import`.
   * @throws ThreadlineError `bad_request` (a `streaming` status, bad shape, or what the database
   *   would refuse, R30), `not_found`, `conflict`.
   */
  async importMessage(
    threadId: string,
    message: StoredMessage<MESSAGE>,
    now: number,
  ): Promise<StoredMessage<MESSAGE>> {
    this.deps.lifetime.ensureOpen();
    assertStorable("thread id", threadId);
    checkMessageInput(message);
    if (message.status === "streaming") {
      throw new ThreadlineError(
        "bad_request",
        "an imported message must be finished, not streaming",
      );
    }
    const { message: stored } = await this.deps.store.createMessage(
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
    return stored as StoredMessage<MESSAGE>;
  }

  /**
   * Subscribes to a thread: a snapshot then live events, or with `after` the log from `after + 1`
   * then live; every event exactly once in seq order (R11–R13). Errors (`not_found`, `bad_offset`)
   * surface on the first `next()`; a NUL in `threadId` throws `bad_request` at once (R30), and a
   * workspace at its `maxSubscribers` `rate_limited` at once (R33: close the subscription, or
   * abort its `signal`, to free its slot; one that ends by itself frees it too).
   */
  subscribe(threadId: string, options: SubscribeOptions = {}): Subscription<MESSAGE> {
    this.deps.lifetime.ensureOpen();
    assertStorable("thread id", threadId);
    const { store, broker, clock } = this.deps;
    const release = this.deps.quotas.admitSubscriber(this.workspaceId); // R33: 429 past the limit
    if (!release) {
      return new Subscription<MESSAGE>(store, broker, clock, this.workspaceId, threadId, options);
    }
    return new CountedSubscription<MESSAGE>(
      store,
      broker,
      clock,
      this.workspaceId,
      threadId,
      options,
      release,
    );
  }

  /** Resolves once every buffered and in-flight change of the message has committed (R7). */
  flush(messageId: string): Promise<void> {
    return this.deps.lifetime.guard(() => this.deps.writer.flush(this.workspaceId, messageId));
  }
}

function threadNotFound(threadId: string): ThreadlineError {
  return new ThreadlineError("not_found", `thread ${threadId} not found`);
}
