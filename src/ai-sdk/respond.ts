import { isThreadlineError, ThreadlineError } from "../errors.js";
import type { UIMessage, UIMessageChunk } from "../message/types.js";
import type { StoredMessage } from "../protocol/resources.js";
import type { MessageWriter } from "../writer/message-writer.js";
import { nextUnlessAborted } from "./next-unless-aborted.js";
import {
  toUIMessageStreamResponse,
  type UIMessageStreamResponseInit,
} from "./ui-message-stream-response.js";

/** A UI message stream as the AI SDK produces it (`result.toUIMessageStream()`), or any iterable. */
export type UIMessageStreamSource = ReadableStream<UIMessageChunk> | AsyncIterable<UIMessageChunk>;

/** What a source factory receives: the signal to pass to the model call (`streamText`). */
export interface RespondContext {
  /** Aborts when the message is stopped (R28) or ended elsewhere: pass it as `abortSignal`. */
  abortSignal: AbortSignal;
}

/** A generation's UI message stream, or a function that starts one with the stop signal. */
export type RespondSource =
  | UIMessageStreamSource
  | ((context: RespondContext) => UIMessageStreamSource | PromiseLike<UIMessageStreamSource>);

/** Options of `threadline.chat.respond`; `MESSAGE` is the app's message type. */
export interface RespondOptions<MESSAGE extends UIMessage = UIMessage> {
  /**
   * The assistant message id. Default: the `messageId` of the stream's `start` chunk, else a
   * generated one. The client always sees the stored id in its `start` chunk (R29).
   */
  messageId?: string;
  /** Initial message metadata. */
  metadata?: MESSAGE["metadata"];
}

/** What `threadline.chat.respond` hands back to the chat route. */
export interface ChatReply<MESSAGE extends UIMessage = UIMessage> {
  /** The stored assistant message id: the `messageId` of the `start` chunk the client sees. */
  readonly messageId: string;
  /**
   * The chunks for the client that asked, each after the writer accepted it: a `start` carrying the
   * stored id first, and always a terminal chunk last (`finish`, `error`, or `abort` when the source
   * ended early, failed, or the message was stopped). Reading it slowly, or not at all, never slows
   * persistence (R17).
   */
  readonly stream: ReadableStream<UIMessageChunk>;
  /**
   * {@link stream} as the `Response` the AI SDK client expects (SSE, `UI_MESSAGE_STREAM_HEADERS`).
   * Use either this or `stream`, once.
   */
  toResponse(init?: UIMessageStreamResponseInit): Response;
  /** Resolves with the final stored message once it reached its terminal state (R16). */
  readonly message: Promise<StoredMessage<MESSAGE>>;
  /** Aborts when the message is stopped or ended elsewhere (the factory's `abortSignal`). */
  readonly abortSignal: AbortSignal;
}

/** What responding needs of a workspace. */
export interface RespondDeps<MESSAGE extends UIMessage = UIMessage> {
  generateId(): string;
  openWriter(
    threadId: string,
    options: { messageId: string; metadata?: MESSAGE["metadata"] },
  ): Promise<MessageWriter<MESSAGE>>;
}

/**
 * Persists a generation's UI message stream as one assistant message while it is streamed to the
 * client that asked (R29): each chunk goes through the coalescing writer (R3–R9) and, once
 * accepted, to {@link ChatReply.stream}.
 *
 * - The message id is `options.messageId`, else the `start` chunk's, else generated; the client's
 *   `start` chunk always carries it, so the client and the store agree on ids (R29).
 * - Persistence is independent of the client: a client that disconnects or reads slowly changes
 *   nothing (R17); the stream's chunks queue for it in memory.
 * - A source that ends before a terminal chunk aborts the message; one that throws ends it `error`
 *   with the error's message; a chunk the writer rejects ends it `error` (R2, R16). The client gets
 *   the matching terminal chunk in each case.
 * - A stop (R28) cancels the source (and the factory's `abortSignal`), ends the message `aborted`
 *   keeping its partial parts, and sends the client an `abort` chunk.
 *
 * Resolves once the first chunk was read and the message created (R14).
 * @throws ThreadlineError `bad_request` (the source ended with no chunk), `not_found` (thread),
 *   `conflict` (message id taken); whatever the source throws before its first chunk.
 */
export async function respond<MESSAGE extends UIMessage = UIMessage>(
  deps: RespondDeps<MESSAGE>,
  threadId: string,
  source: RespondSource,
  options: RespondOptions<MESSAGE> = {},
): Promise<ChatReply<MESSAGE>> {
  const producer = new AbortController();
  const chunks = iterate(
    typeof source === "function" ? await source({ abortSignal: producer.signal }) : source,
  );
  let writer: MessageWriter<MESSAGE>;
  let first: UIMessageChunk;
  try {
    const head = await chunks.next();
    if (head.done) {
      throw new ThreadlineError(
        "bad_request",
        "the UI message stream ended before its first chunk",
      );
    }
    first = head.value;
    const messageId = options.messageId ?? startMessageIdOf(first) ?? deps.generateId();
    writer = await deps.openWriter(threadId, {
      messageId,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    });
  } catch (error) {
    chunks.cancel(error);
    throw error;
  }
  const forward = writer.signal;
  const onStop = () => producer.abort(forward.reason);
  if (forward.aborted) onStop();
  else forward.addEventListener("abort", onStop, { once: true });

  const client = new ClientQueue();
  const message = pump(writer, first, chunks, client, producer.signal);
  message.catch(() => {}); // the caller may never await it; the failure is in the message too
  return {
    messageId: writer.id,
    stream: client.stream,
    toResponse: (init) => toUIMessageStreamResponse(client.stream, init),
    message,
    abortSignal: producer.signal,
  };
}

/** Feeds the writer, then the client, chunk by chunk until a terminal state (R16). */
async function pump<MESSAGE extends UIMessage>(
  writer: MessageWriter<MESSAGE>,
  first: UIMessageChunk,
  chunks: ChunkIterator,
  client: ClientQueue,
  stopped: AbortSignal,
): Promise<StoredMessage<MESSAGE>> {
  const start: UIMessageChunk =
    first.type === "start"
      ? { ...first, messageId: writer.id }
      : { type: "start", messageId: writer.id };
  let failure: unknown;
  try {
    // A synthesized start goes to the client only, so chunk indexes (R2) stay the source's.
    if (first.type === "start") await writer.write(start);
    client.push(start);
    let next: UIMessageChunk | undefined = first.type === "start" ? undefined : first;
    while (!writer.closed && !stopped.aborted) {
      if (next === undefined) {
        const read = await chunks.next(stopped);
        if (read.done) break;
        next = read.value;
      }
      await writer.write(next);
      client.push(next);
      next = undefined;
    }
    if (!writer.closed) await writer.abort(); // the source ended before a terminal chunk (R16)
  } catch (error) {
    failure = await settle(writer, error, stopped);
  }
  chunks.cancel(stopped.reason);
  await writer.flush().catch(() => {});
  client.end(writer);
  if (failure !== undefined) throw failure;
  return writer.message;
}

/**
 * Ends the message after a failure. Returns the error `message` must reject with: none when the
 * message ended as it should (a stop, a rejected chunk, a producer failure: all in its status).
 */
async function settle(
  writer: MessageWriter,
  error: unknown,
  stopped: AbortSignal,
): Promise<unknown> {
  if (stopped.aborted && (isThreadlineError(error, "message_finalized") || writer.closed)) {
    return undefined;
  }
  if (writer.closed) {
    // The writer rejected a chunk and finalized the message `error` itself (R2); anything else
    // (a storage failure of a structural commit, R4) is the caller's to see.
    return isThreadlineError(error) && error.status < 500 ? undefined : error;
  }
  const text = error instanceof Error ? error.message : String(error);
  await writer.fail(text).catch(() => {}); // a producer failure ends the message `error` (R16)
  return undefined;
}

/** The chunks for the client: queued without limit so the writer never waits for the client. */
class ClientQueue {
  private controller!: ReadableStreamDefaultController<UIMessageChunk>;
  private gone = false;
  private sentTerminal = false;
  readonly stream = new ReadableStream<UIMessageChunk>({
    start: (controller) => {
      this.controller = controller;
    },
    cancel: () => {
      this.gone = true; // the client disconnected: persistence goes on (R17)
    },
  });

  push(chunk: UIMessageChunk): void {
    if (chunk.type === "finish" || chunk.type === "error" || chunk.type === "abort") {
      this.sentTerminal = true;
    }
    if (!this.gone) this.controller.enqueue(chunk);
  }

  /** Sends the terminal chunk matching how the message ended, if none went out, and closes. */
  end(writer: MessageWriter): void {
    if (!this.sentTerminal) this.push(terminalChunkOf(writer.message));
    if (!this.gone) this.controller.close();
    this.gone = true;
  }
}

function terminalChunkOf(message: StoredMessage): UIMessageChunk {
  if (message.status === "error") {
    return { type: "error", errorText: message.errorText ?? "the message failed" };
  }
  if (message.status === "completed") return { type: "finish" };
  return { type: "abort" };
}

function startMessageIdOf(chunk: UIMessageChunk): string | undefined {
  return chunk.type === "start" && typeof chunk.messageId === "string" && chunk.messageId !== ""
    ? chunk.messageId
    : undefined;
}

/** A source read one chunk at a time, cancellable, whatever its kind. */
interface ChunkIterator {
  /** The next chunk; resolves `done` at once when `signal` aborts. */
  next(signal?: AbortSignal): Promise<IteratorResult<UIMessageChunk>>;
  /** Cancels the source (idempotent, never waits for it). */
  cancel(reason?: unknown): void;
}

function iterate(source: UIMessageStreamSource): ChunkIterator {
  const iterator: AsyncIterator<UIMessageChunk> =
    source instanceof ReadableStream
      ? readerIterator(source.getReader())
      : source[Symbol.asyncIterator]();
  let cancelled = false;
  return {
    next: (signal) => (signal ? nextUnlessAborted(iterator, signal) : iterator.next()),
    cancel: (reason) => {
      if (cancelled) return;
      cancelled = true;
      // Not awaited: a source stuck in a read would hold the caller.
      Promise.resolve(iterator.return?.(reason)).catch(() => {});
    },
  };
}

function readerIterator(
  reader: ReadableStreamDefaultReader<UIMessageChunk>,
): AsyncIterator<UIMessageChunk> {
  return {
    next: () => reader.read() as Promise<IteratorResult<UIMessageChunk>>,
    return: async (reason) => {
      await reader.cancel(reason).catch(() => {});
      return { done: true, value: undefined };
    },
  };
}
