/**
 * Shared setup of the HTTP tests: an app over a Threadline on each backend, a real server on port 0
 * when a test needs sockets, SSE reading, and the recorded AI SDK streams of the shared fixtures.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerType, serve } from "@hono/node-server";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterEach } from "vitest";
import type { Broker } from "../../src/broker/broker.js";
import { type AppDeps, createApp, type ThreadlineApp } from "../../src/http/index.js";
import type { Threadline, ThreadlineOptions } from "../../src/threadline.js";
import { type Backend, openThreadline } from "../support/backends.js";

/** The recorded UI message streams (read in place, never copied). */
export const FIXTURE_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../shared/fixtures/ui-message-stream",
);

/** Names of every recorded stream. */
export const FIXTURE_NAMES = readdirSync(FIXTURE_DIR)
  .filter((name) => name.endsWith(".sse"))
  .sort();

/** The bytes of one recorded stream, as the AI SDK sent them. */
export function fixtureText(name: string): string {
  return readFileSync(join(FIXTURE_DIR, name), "utf8");
}

/** The SSE events (`data:` payloads, `[DONE]` included) of a recorded stream, with their framing. */
export function fixtureEvents(name: string): string[] {
  return fixtureText(name)
    .split(/\n\n/)
    .filter((block) => block.startsWith("data:"))
    .map((block) => `${block}\n\n`);
}

/** The chunks of a recorded stream, parsed. */
export function fixtureChunks(name: string): Array<{ type: string; [key: string]: unknown }> {
  return fixtureEvents(name)
    .map((event) => event.slice("data: ".length).trim())
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data));
}

/** An app over a fresh Threadline on `backend` (closed after the test). */
export async function openApp(
  backend: Backend,
  options: { threadline?: Partial<ThreadlineOptions>; app?: Omit<AppDeps, "threadline"> } = {},
) {
  const opened = await openThreadline(backend, options.threadline);
  const app = createApp({ threadline: opened.threadline, log: () => {}, ...options.app });
  return { ...opened, app };
}

const servers: ServerType[] = [];

/** Serves `app` on a free port of 127.0.0.1 until the end of the test. */
export async function listen(app: ThreadlineApp): Promise<string> {
  const server = await new Promise<ServerType>((resolveServer) => {
    const started: ServerType = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
      resolveServer(started),
    );
  });
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((done) => {
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => done());
        }),
    ),
  );
});

/** A JSON request for `app.request()`. */
export function jsonRequest(method: string, body?: unknown, headers: Record<string, string> = {}) {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  };
}

/** Reads SSE events off a response body as they arrive; comments are collected apart. */
export class SseReader {
  readonly comments: string[] = [];
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private readonly queue: EventSourceMessage[] = [];
  private readonly parser = createParser({
    onEvent: (event) => this.queue.push(event),
    onComment: (comment) => this.comments.push(comment.trim()),
  });
  /** True once the body ended. */
  ended = false;

  constructor(body: ReadableStream<Uint8Array> | null) {
    if (!body) throw new Error("the response has no body");
    this.reader = body.getReader();
  }

  /** The next event, or undefined when the body ends; fails after `timeoutMs` (a guard). */
  async next(timeoutMs = 5_000): Promise<EventSourceMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.ended) return undefined;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no SSE event within ${timeoutMs} ms`);
      await this.readOnce(remaining);
    }
    return this.queue.shift();
  }

  /** The next `count` events. */
  async take(count: number, timeoutMs = 5_000): Promise<EventSourceMessage[]> {
    const events: EventSourceMessage[] = [];
    while (events.length < count) {
      const event = await this.next(timeoutMs);
      if (!event) break;
      events.push(event);
    }
    return events;
  }

  /** Every event up to the end of the body. */
  async rest(timeoutMs = 5_000): Promise<EventSourceMessage[]> {
    const events: EventSourceMessage[] = [];
    for (;;) {
      const event = await this.next(timeoutMs);
      if (!event) return events;
      events.push(event);
    }
  }

  /** Reads until a comment arrives. */
  async nextComment(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const seen = this.comments.length;
    while (this.comments.length === seen) {
      if (this.ended) throw new Error("the body ended");
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no SSE comment within ${timeoutMs} ms`);
      await this.readOnce(remaining);
    }
    return this.comments[seen] ?? "";
  }

  /** Stops reading: the client goes away. */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }

  /** A read still pending after a timeout: the next read takes it over (no result is lost). */
  private pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  private async readOnce(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((done) => {
      timer = setTimeout(() => done("timeout"), timeoutMs);
    });
    this.pending ??= this.reader.read();
    try {
      const result = await Promise.race([this.pending, timeout]);
      if (result === "timeout") return;
      this.pending = undefined;
      if (result.done) {
        this.ended = true;
        return;
      }
      this.parser.feed(this.decoder.decode(result.value, { stream: true }));
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Polls `condition` every few ms until it holds; fails after `timeoutMs` (a bounded wait). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/** A request body stream the test feeds piece by piece. */
export function feedableBody() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    body,
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    fail: (error: Error) => controller.error(error),
  };
}

/**
 * The Threadline's broker, which the public API does not expose: to count live subscribers (a
 * closed subscription unregisters) and to set drop counters in metrics tests.
 */
export function brokerOf(threadline: Threadline): Broker {
  return (threadline as unknown as { broker: Broker }).broker;
}
