import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createThreadline, type Threadline } from "threadline";
import { createChatApp } from "./chat-app.js";
import { type ChatModel, chooseChatModel } from "./chat-model.js";
import type { SlowMockModelOptions } from "./slow-mock-model.js";

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://…?schema=name`. */
  database: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Interface to bind; default 127.0.0.1. */
  hostname?: string;
  /** The built page to serve at `/` (see `buildChatPage`). */
  staticDir?: string;
  /** Serve `GET /api/debug/model` (the mock model's `{ calls, cancelled, completed }`). */
  debug?: boolean;
  /** This node's id (several servers on one PostgreSQL database); default random. */
  nodeId?: string;
  /** Options of the mock model (used when `OPENAI_API_KEY` is unset). */
  mock?: SlowMockModelOptions;
  /** The environment that picks the model; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/** A running example server. */
export interface ChatServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  threadline: Threadline;
  /** The model in use, with the mock model's stats when it is the mock. */
  model: ChatModel;
  /** Stops accepting connections, ends open ones, then closes Threadline (flushing writes). */
  close(): Promise<void>;
}

/**
 * Opens Threadline on `database` and serves the AI SDK chat example on it with
 * `@hono/node-server`.
 *
 * @example
 * ```ts
 * const server = await startChatServer({ database: "sqlite:./chat.db", port: 3000, staticDir });
 * console.log(server.url);
 * ```
 */
export async function startChatServer(options: ChatServerOptions): Promise<ChatServer> {
  const threadline = await createThreadline({
    database: options.database,
    ...(options.nodeId ? { nodeId: options.nodeId } : {}),
  });
  const chatModel = await chooseChatModel(options.env ?? process.env, options.mock);
  const { stats } = chatModel;
  const app = createChatApp({
    threadline,
    model: chatModel.model,
    ...(options.debug
      ? { debugStats: () => stats ?? { calls: 0, cancelled: 0, completed: 0 } }
      : {}),
    ...(options.staticDir ? { staticDir: options.staticDir } : {}),
  });
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, hostname, port: options.port }, () =>
      resolve(started),
    );
    started.once("error", reject);
  }).catch(async (error) => {
    await threadline.close();
    throw error;
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostname}:${port}`,
    threadline,
    model: chatModel,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        await threadline.close();
      })();
      return closing;
    },
  };
}
