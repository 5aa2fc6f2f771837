import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import { BodyInterruptedError, type BodyText } from "./read-ui-message-stream-body.js";

/**
 * The Node request behind a Hono context when the app runs on `@hono/node-server` (which passes
 * `{ incoming, outgoing }` as the env) and nothing has read its body yet; `undefined` on any other
 * runtime, or once the body was touched — then the Web `Request` body is the one to read.
 */
export function untouchedNodeRequestOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  if (!isNodeReadable(incoming)) return undefined;
  const readable = incoming as IncomingMessage;
  if (readable.readableDidRead || readable.readableFlowing !== null) return undefined;
  if (readable.listenerCount("data") > 0 || readable.listenerCount("readable") > 0)
    return undefined;
  return readable;
}

function isNodeReadable(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<IncomingMessage>;
  return (
    typeof candidate.read === "function" &&
    typeof candidate.on === "function" &&
    typeof candidate.setEncoding === "function" &&
    "readableDidRead" in candidate
  );
}

/**
 * {@link BodyText} read straight from a Node `IncomingMessage`, without the Web-stream layers
 * `@hono/node-server` puts around it (`Readable.toWeb` in a `ReadableStream`): each `take()` is
 * everything the socket delivered since the last one (`read()` in paused mode, UTF-8 decoded by
 * Node), and `readable()` waits for the stream's `readable`, `end`, `error` or `close` — one
 * promise per wait, nothing per chunk. Nothing is read while nobody calls `take()`: Node then
 * buffers up to the stream's high-water mark and stops reading the socket, so the producer feels
 * TCP backpressure (R4).
 *
 * A body that errors, or closes before its end (the client cut the connection), throws
 * {@link BodyInterruptedError} once what was buffered before has been taken (R16).
 * `release()` removes this reader's listeners so `@hono/node-server` can drain the rest.
 */
export function nodeBodyText(incoming: IncomingMessage): BodyText {
  let ended = false;
  let failure: unknown;
  let waiter: (() => void) | undefined;
  const wake = () => {
    const resolve = waiter;
    waiter = undefined;
    resolve?.();
  };
  const onEnd = () => {
    ended = true;
    wake();
  };
  const onError = (error: unknown) => {
    failure ??= error;
    wake();
  };
  const onClose = () => {
    if (!ended) failure ??= new Error("the connection closed before the body ended");
    wake();
  };
  incoming.setEncoding("utf8");
  incoming.on("readable", wake);
  incoming.on("end", onEnd);
  incoming.on("error", onError);
  incoming.on("close", onClose);
  let released = false;
  return {
    take() {
      if (released) return null;
      const text = incoming.read() as string | null;
      if (text !== null) return text;
      if (ended || incoming.readableEnded) return null;
      if (failure !== undefined || incoming.destroyed) {
        throw new BodyInterruptedError(failure ?? new Error("the request body was destroyed"));
      }
      return undefined;
    },
    readable() {
      if (released) return Promise.resolve();
      return new Promise<void>((resolve) => {
        wake(); // a previous waiter only loops once more
        waiter = resolve;
      });
    },
    wake,
    release() {
      if (released) return;
      released = true;
      incoming.off("readable", wake);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
      wake();
    },
  };
}
