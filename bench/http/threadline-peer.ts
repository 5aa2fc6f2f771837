/**
 * The load generator's side of `threadline serve`: threads created with `POST /v1/threads`, one
 * streaming `POST /v1/threads/:id/messages/stream` (NDJSON, one UI message stream chunk a line)
 * per message, and one `GET /v1/threads/:id/events` SSE viewer per thread parsed with
 * `eventsource-parser`. Plain `node:http` with a keep-alive agent, so the generator spends as
 * little CPU per delta as a client can.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { createParser } from "eventsource-parser";
import { CONTENT_TYPES, PATHS } from "../../src/protocol/http.js";
import type { BenchThread, DeliveryListener, StreamingMessage } from "../strategies/strategy.js";
import { type ErrorLog, type HttpPeer, PART_ID, textLength } from "./peer.js";

/**
 * Opens the Threadline peer at `baseUrl` (e.g. `http://127.0.0.1:4100`); transport errors go to
 * `errors` rather than failing the step.
 *
 * @example
 * ```ts
 * const peer = openThreadlinePeer("http://127.0.0.1:4100", new ErrorLog());
 * const thread = await peer.openThread((id, length) => tracker.onDelivery(id, length));
 * ```
 */
export function openThreadlinePeer(baseUrl: string, errors: ErrorLog): HttpPeer {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const target = { agent, hostname: url.hostname, port: Number(url.port) };
  return {
    openThread: async (onDelivery) => {
      const created = await requestJson(target, "POST", PATHS.threads, {});
      const threadId = (created as { thread: { id: string } }).thread.id;
      const viewer = await openViewer(target, threadId, onDelivery, errors);
      return {
        startMessage: async () => startUpload(target, threadId, errors),
        close: async () => {
          viewer.destroy();
        },
      } satisfies BenchThread;
    },
    close: async () => agent.destroy(),
  };
}

type Target = { agent: http.Agent; hostname: string; port: number };

function requestJson(
  target: Target,
  method: string,
  path: string,
  body: unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { ...target, method, path, headers: { "content-type": CONTENT_TYPES.json } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          (res.statusCode ?? 500) < 300
            ? resolve(JSON.parse(text))
            : reject(new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 200)}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

/**
 * One message uploaded as it streams: `start` (with the message id, so the viewer's events can be
 * matched) and `text-start` at once, a `text-delta` line per `append`, `text-end` and `finish` on
 * `finish()`, which resolves with the server's answer. `append` waits only when the socket's
 * buffer is full (the server is not reading: backpressure reaches the producer).
 */
function startUpload(target: Target, threadId: string, errors: ErrorLog): StreamingMessage {
  const id = `m-${randomUUID()}`;
  const req = http.request({
    ...target,
    method: "POST",
    path: PATHS.messageStream(threadId),
    headers: { "content-type": CONTENT_TYPES.ndjson, "transfer-encoding": "chunked" },
  });
  const answered = new Promise<void>((resolve) => {
    req.on("response", (res) => {
      if ((res.statusCode ?? 500) >= 300) errors.record(new Error(`upload: ${res.statusCode}`));
      res.resume();
      res.on("end", resolve);
      res.on("error", () => resolve());
    });
    req.on("error", (error) => {
      errors.record(error);
      resolve();
    });
  });
  const send = (chunk: object): Promise<void> | undefined =>
    req.write(`${JSON.stringify(chunk)}\n`) ? undefined : once(req, "drain").then(() => {});
  send({ type: "start", messageId: id });
  send({ type: "text-start", id: PART_ID });
  return {
    id,
    append: async (delta) => {
      await send({ type: "text-delta", id: PART_ID, delta });
    },
    finish: async () => {
      send({ type: "text-end", id: PART_ID });
      send({ type: "finish" });
      req.end();
      await answered;
    },
  };
}

/**
 * The SSE viewer of a thread: reports each message's text length after every `message.created`,
 * `message.delta` and `message.finished` event. Resolves once the first event (the snapshot)
 * arrived, i.e. once the viewer is live.
 */
async function openViewer(
  target: Target,
  threadId: string,
  onDelivery: DeliveryListener,
  errors: ErrorLog,
): Promise<http.ClientRequest> {
  const lengths = new Map<string, number>();
  let live: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    live = resolve;
  });
  const parser = createParser({
    onEvent: (event) => {
      live();
      if (!event.event?.startsWith("message.")) return;
      const parsed = JSON.parse(event.data) as ViewerEvent;
      const messageId = parsed.messageId ?? parsed.data.message?.id;
      if (!messageId) return;
      let length: number;
      if (event.event === "message.delta") {
        length = parsed.data.message
          ? textLength(parsed.data.message.parts)
          : (lengths.get(messageId) ?? 0);
        for (const chunk of parsed.data.chunks ?? [])
          if (chunk.type === "text-delta") length += chunk.delta?.length ?? 0;
      } else if (parsed.data.message) length = textLength(parsed.data.message.parts);
      else return;
      if (event.event === "message.finished") lengths.delete(messageId);
      else lengths.set(messageId, length);
      onDelivery(messageId, length);
    },
  });
  const req = http.get({ ...target, path: PATHS.events(threadId) }, (res) => {
    if (res.statusCode !== 200) errors.record(new Error(`viewer: ${res.statusCode}`));
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => parser.feed(chunk));
    res.on("error", () => {});
  });
  req.on("error", (error) => {
    if (!req.destroyed) errors.record(error);
    live();
  });
  await connected;
  return req;
}

/** The fields of a `GET …/events` event the viewer reads. */
interface ViewerEvent {
  messageId: string | null;
  data: {
    message?: { id: string; parts: { type: string; text?: string }[] };
    chunks?: { type: string; delta?: string }[];
  };
}
