import type { UIMessage, UIMessageChunk } from "../message/types.js";
import { CONTENT_TYPES, HEADERS, PATHS, QUERY } from "../protocol/http.js";
import type { StopResult, StoredMessage, Thread } from "../protocol/resources.js";
import type { RunOptions } from "../protocol/runs.js";
import { errorFromResponse } from "./http-error.js";
import {
  type ClientSubscribeOptions,
  type ClientSubscriptionItem,
  subscribeEvents,
  type Transport,
} from "./subscribe-events.js";

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4000`. */
  baseUrl: string;
  /** A workspace API key, sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** A fetch implementation (default the global `fetch`). */
  fetch?: typeof fetch;
}

/**
 * A complete message to append, with the role, parts and metadata of the app's `MESSAGE` type and
 * the options of the run a user message (re)arms (R22).
 */
export interface ClientMessageInput<MESSAGE extends UIMessage = UIMessage> {
  id?: string;
  role: MESSAGE["role"];
  parts: MESSAGE["parts"];
  metadata?: MESSAGE["metadata"];
  run?: RunOptions;
}

/**
 * `client.messages` (SPEC §3). Methods, not arrow-function types, so a `ThreadlineClient<MyUIMessage>`
 * is still a `ThreadlineClient` (method parameters compare bivariantly).
 */
export interface ClientMessages<MESSAGE extends UIMessage = UIMessage> {
  list(threadId: string): Promise<{ messages: StoredMessage<MESSAGE>[]; seq: number }>;
  append(
    threadId: string,
    message: ClientMessageInput<MESSAGE>,
    options?: { idempotencyKey?: string },
  ): Promise<{ message: StoredMessage<MESSAGE>; seq: number }>;
  get(messageId: string): Promise<StoredMessage<MESSAGE>>;
  delete(messageId: string): Promise<void>;
  /**
   * Streams UI message stream chunks into a new assistant message (NDJSON upload) and resolves
   * with the stored message once the server has persisted the whole stream.
   */
  stream(
    threadId: string,
    chunks: AsyncIterable<UIMessageChunk> | Iterable<UIMessageChunk>,
    options?: { signal?: AbortSignal },
  ): Promise<StoredMessage<MESSAGE>>;
}

/**
 * A Threadline HTTP client for Node and browsers (fetch only; no Node-only imports). Server errors
 * come back as the same {@link ThreadlineError} codes the server threw.
 *
 * `MESSAGE` is the app's message type, e.g. `UIMessage<METADATA, DATA_PARTS, TOOLS>` from `ai`
 * (default Threadline's untyped `UIMessage`): reads return it, appends take its parts and metadata.
 * A static promise only: the server checks parts against the AI SDK's part schemas (R2), not the
 * app's metadata or data schemas — check those with `validateUIMessages` where they matter.
 *
 * @example
 * ```ts
 * const client = createClient({ baseUrl: "http://127.0.0.1:4000" });
 * const thread = await client.threads.create({ title: "Support" });
 * for await (const item of client.subscribe(thread.id)) console.log(item.type);
 * ```
 */
export class ThreadlineClient<MESSAGE extends UIMessage = UIMessage> {
  private readonly transport: Transport;

  constructor(options: ClientOptions) {
    const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.transport = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      fetch: fetchImpl,
      headers: () => {
        const headers: Record<string, string> = {};
        if (options.apiKey) headers[HEADERS.authorization] = `Bearer ${options.apiKey}`;
        return headers;
      },
    };
  }

  /** Threads (SPEC §3). */
  readonly threads = {
    create: async (
      input: { id?: string; title?: string; metadata?: Record<string, unknown> } = {},
    ) => (await this.json<{ thread: Thread }>("POST", PATHS.threads, input)).thread,
    get: async (threadId: string) =>
      (await this.json<{ thread: Thread }>("GET", PATHS.thread(threadId))).thread,
    list: (options: { limit?: number; cursor?: string } = {}) => {
      const query = new URLSearchParams();
      if (options.limit !== undefined) query.set(QUERY.limit, String(options.limit));
      if (options.cursor !== undefined) query.set(QUERY.cursor, options.cursor);
      const suffix = query.size > 0 ? `?${query}` : "";
      return this.json<{ threads: Thread[]; nextCursor: string | null }>(
        "GET",
        `${PATHS.threads}${suffix}`,
      );
    },
    fork: async (threadId: string, point: { atSeq?: number; atMessageId?: string } = {}) =>
      (await this.json<{ thread: Thread }>("POST", PATHS.fork(threadId), point)).thread,
    /**
     * Stops the thread's streaming message, or `messageId`, on whichever node writes it (R28);
     * `stopped: false` when nothing was streaming. @throws ThreadlineError `not_found`.
     */
    stop: (threadId: string, options: { messageId?: string } = {}) =>
      this.json<StopResult<MESSAGE>>("POST", PATHS.stop(threadId), options),
    delete: async (threadId: string) => {
      await this.json("DELETE", PATHS.thread(threadId));
    },
  };

  /** Messages (SPEC §3). */
  readonly messages: ClientMessages<MESSAGE> = {
    list: (threadId) =>
      this.json<{ messages: StoredMessage<MESSAGE>[]; seq: number }>(
        "GET",
        PATHS.threadMessages(threadId),
      ),
    append: (threadId, message, options = {}) =>
      this.json<{ message: StoredMessage<MESSAGE>; seq: number }>(
        "POST",
        PATHS.threadMessages(threadId),
        message,
        {
          ...(options.idempotencyKey ? { [HEADERS.idempotencyKey]: options.idempotencyKey } : {}),
        },
      ),
    get: async (messageId) =>
      (await this.json<{ message: StoredMessage<MESSAGE> }>("GET", PATHS.message(messageId)))
        .message,
    delete: async (messageId) => {
      await this.json("DELETE", PATHS.message(messageId));
    },
    stream: async (threadId, chunks, options = {}) => {
      const body = ndjsonBody(chunks);
      const response = await this.transport.fetch(
        `${this.transport.baseUrl}${PATHS.messageStream(threadId)}`,
        {
          method: "POST",
          headers: { ...this.transport.headers(), [HEADERS.contentType]: CONTENT_TYPES.ndjson },
          body,
          // Needed by fetch implementations to send a streaming body.
          duplex: "half",
          ...(options.signal ? { signal: options.signal } : {}),
        } as RequestInit,
      );
      if (!response.ok) throw await errorFromResponse(response);
      return ((await response.json()) as { message: StoredMessage<MESSAGE> }).message;
    },
  };

  /**
   * Follows a thread: a snapshot then every event, reconnecting from the last seq after a dropped
   * connection, never yielding a duplicate (R11, R13). See {@link subscribeEvents}.
   */
  subscribe(
    threadId: string,
    options: ClientSubscribeOptions = {},
  ): AsyncIterable<ClientSubscriptionItem<MESSAGE>> {
    return {
      [Symbol.asyncIterator]: () => subscribeEvents<MESSAGE>(this.transport, threadId, options),
    };
  }

  private async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await this.transport.fetch(`${this.transport.baseUrl}${path}`, {
      method,
      headers: {
        ...this.transport.headers(),
        ...headers,
        ...(body === undefined ? {} : { [HEADERS.contentType]: CONTENT_TYPES.json }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }
}

/** An NDJSON request body pulled from `chunks` as the server reads it (backpressure). */
function ndjsonBody(
  chunks: AsyncIterable<UIMessageChunk> | Iterable<UIMessageChunk>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : chunks[Symbol.iterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * Creates a {@link ThreadlineClient}, typed with the app's message type `MESSAGE` (a static
 * promise: see {@link ThreadlineClient}).
 *
 * @example
 * ```ts
 * type ChatMessage = UIMessage<{ model: string }, { weather: { city: string } }>; // from "ai"
 * const client = createClient<ChatMessage>({ baseUrl: "http://127.0.0.1:4000" });
 * const { messages } = await client.messages.list("thread-1"); // StoredMessage<ChatMessage>[]
 * ```
 */
export function createClient<MESSAGE extends UIMessage = UIMessage>(
  options: ClientOptions,
): ThreadlineClient<MESSAGE> {
  return new ThreadlineClient<MESSAGE>(options);
}
