/**
 * The floor of the HTTP bench: a plain `node:http` server that speaks the part of Threadline's wire
 * the load generator uses (`POST /v1/threads`, a streaming NDJSON `POST …/messages/stream` per
 * message, one SSE `GET …/events` viewer per thread) and stores nothing. It splits each upload into
 * lines, JSON-parses every chunk, keeps each message's text in memory and, every 33 ms, sends each
 * thread's new text to its viewers as one `message.delta` event serialized once — what any server
 * of this workload must do at the least, with no validation, fold, log, database or framework.
 *
 * Its server CPU per delta is what Node's HTTP stack and JSON cost on this machine; Threadline's
 * figure minus this one is what Threadline adds (issue 9 asks for ≤ 20 µs per delta over HTTP).
 * Started by servers.ts (backend `node-floor`) in its own process:
 *
 * ```
 * node --import tsx bench/http/floor-server.ts <port>
 * ```
 */
import { randomUUID } from "node:crypto";
import http from "node:http";

const TICK_MS = 33;
const THREAD_PATH = /^\/v1\/threads\/([^/]+)\/(messages\/stream|events)$/;

/** A thread: its viewers' responses and the text its messages gained since the last tick. */
interface FloorThread {
  readonly viewers: Set<http.ServerResponse>;
  /** Message id → text not yet sent to the viewers. */
  readonly pending: Map<string, string>;
}

const threads = new Map<string, FloorThread>();
/** Threads with pending text, flushed by the next tick. */
const dirty = new Set<FloorThread>();

/** Sends one SSE event, serialized once, to every viewer of `thread`. */
function publish(thread: FloorThread, event: string, data: unknown): void {
  const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  for (const viewer of thread.viewers) viewer.write(frame);
}

/** Sends each dirty thread's pending text as one `message.delta` per message. */
function flush(thread: FloorThread): void {
  for (const [messageId, delta] of thread.pending) {
    publish(thread, "message.delta", {
      messageId,
      data: { chunks: [{ type: "text-delta", id: "t", delta }] },
    });
  }
  thread.pending.clear();
}

setInterval(() => {
  for (const thread of dirty) flush(thread);
  dirty.clear();
}, TICK_MS);

/** One upload: each NDJSON line parsed; text deltas buffered for the tick; answers at the end. */
function upload(thread: FloorThread, req: http.IncomingMessage, res: http.ServerResponse): void {
  let partial = "";
  let messageId = "";
  let text = "";
  const accept = (line: string) => {
    if (line.trim() === "") return;
    const chunk = JSON.parse(line) as { type: string; messageId?: string; delta?: string };
    if (chunk.type === "start") {
      messageId = chunk.messageId ?? randomUUID();
      publish(thread, "message.created", {
        messageId,
        data: { message: { id: messageId, parts: [] } },
      });
    } else if (chunk.type === "text-delta" && chunk.delta !== undefined) {
      text += chunk.delta;
      thread.pending.set(messageId, (thread.pending.get(messageId) ?? "") + chunk.delta);
      dirty.add(thread);
    } else if (chunk.type === "finish") {
      flush(thread);
      publish(thread, "message.finished", {
        messageId,
        data: { message: { id: messageId, parts: [{ type: "text", text }] } },
      });
    }
  };
  req.setEncoding("utf8");
  req.on("data", (data: string) => {
    const lines = (partial + data).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) accept(line);
  });
  req.on("end", () => {
    accept(partial);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: { id: messageId, status: "completed" } }));
  });
}

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/v1/threads") {
    const id = randomUUID();
    threads.set(id, { viewers: new Set(), pending: new Map() });
    req.resume();
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ thread: { id } }));
    return;
  }
  const match = THREAD_PATH.exec(req.url ?? "");
  const thread = match ? threads.get(match[1] as string) : undefined;
  if (!match || !thread) {
    req.resume();
    res.writeHead(404).end();
    return;
  }
  if (match[2] === "events" && req.method === "GET") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write("event: snapshot\ndata: {}\n\n");
    thread.viewers.add(res);
    res.on("close", () => thread.viewers.delete(res));
    return;
  }
  if (req.method === "POST") return upload(thread, req, res);
  req.resume();
  res.writeHead(405).end();
});

const [port] = process.argv.slice(2);
server.listen(Number(port), "127.0.0.1", () => console.log(`listening http://127.0.0.1:${port}`));
// Viewers never end on their own: nothing is kept, so the process just goes.
process.once("SIGTERM", () => process.exit(0));
process.once("SIGINT", () => process.exit(0));
