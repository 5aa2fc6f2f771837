/**
 * The load generator's side of the Durable Streams reference server, driven the way its own
 * client library (`@durable-streams/client`) drives it: one JSON durable stream per "thread"
 * (`DurableStream.create`), its chunks written by an `IdempotentProducer` (each UI message stream
 * chunk one `append`, which the producer batches for at most `lingerMs`, 5 ms by default, with up
 * to 5 requests in flight), and one live SSE reader per stream (`stream({ live: "sse" })`,
 * `subscribeJson`). The stream holds the same chunks a Threadline upload carries, one message after
 * another; the viewer tracks each message's text length from its `start` chunk on.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { DurableStream, IdempotentProducer, stream } from "@durable-streams/client";
import type { BenchThread, DeliveryListener, StreamingMessage } from "../strategies/strategy.js";
import { type ErrorLog, type HttpPeer, PART_ID } from "./peer.js";

/** A UI message stream chunk as the viewer reads it back. */
interface Chunk {
  type: string;
  messageId?: string;
  delta?: string;
}

/**
 * Opens the Durable Streams peer at `baseUrl` (e.g. `http://127.0.0.1:4437`); streams are created
 * at `/v1/stream/<name>`, the reference server's layout. Transport errors go to `errors`.
 *
 * @example
 * ```ts
 * const peer = openDurableStreamsPeer("http://127.0.0.1:4437", new ErrorLog());
 * const thread = await peer.openThread((id, length) => tracker.onDelivery(id, length));
 * ```
 */
export function openDurableStreamsPeer(baseUrl: string, errors: ErrorLog): HttpPeer {
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  let next = 0;
  const controllers = new Set<AbortController>();
  return {
    openThread: async (onDelivery) => {
      const url = `${baseUrl}/v1/stream/${prefix}-${next++}`;
      const handle = await DurableStream.create({ url, contentType: "application/json" });
      const producer = new IdempotentProducer(handle, `producer-${prefix}-${next}`, {
        autoClaim: true,
        onError: errors.record,
      });
      const controller = new AbortController();
      controllers.add(controller);
      await openViewer(url, controller.signal, onDelivery, errors);
      return {
        startMessage: async () => startMessage(producer),
        close: async () => {
          controller.abort();
          controllers.delete(controller);
          await producer.detach().catch(errors.record);
        },
      } satisfies BenchThread;
    },
    close: async () => {
      for (const controller of controllers) controller.abort();
    },
  };
}

function startMessage(producer: IdempotentProducer): StreamingMessage {
  const id = `m-${randomUUID()}`;
  const append = (chunk: object) => producer.append(JSON.stringify(chunk));
  append({ type: "start", messageId: id });
  append({ type: "text-start", id: PART_ID });
  return {
    id,
    append: async (delta) => append({ type: "text-delta", id: PART_ID, delta }),
    finish: async () => {
      append({ type: "text-end", id: PART_ID });
      append({ type: "finish" });
      await producer.flush();
    },
  };
}

/**
 * A live SSE reader from the start of the stream: after each batch, reports the text length of
 * every message the batch touched. Resolves once the first response arrived.
 */
async function openViewer(
  url: string,
  signal: AbortSignal,
  onDelivery: DeliveryListener,
  errors: ErrorLog,
): Promise<void> {
  let messageId: string | undefined;
  let length = 0;
  const response = await stream<Chunk>({
    url,
    offset: "-1",
    live: "sse",
    signal,
    onError: (error) => {
      if (!signal.aborted) errors.record(error);
      return undefined;
    },
  });
  response.subscribeJson((batch) => {
    for (const chunk of batch.items) {
      if (chunk.type === "start" && chunk.messageId) {
        if (messageId !== undefined) onDelivery(messageId, length);
        messageId = chunk.messageId;
        length = 0;
      } else if (chunk.type === "text-delta") length += chunk.delta?.length ?? 0;
    }
    if (messageId !== undefined) onDelivery(messageId, length);
  });
}
