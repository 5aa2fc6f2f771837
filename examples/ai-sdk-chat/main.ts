/**
 * The AI SDK chat example: builds the page, then serves it with the chat API on Threadline.
 *
 *   npm run example:chat                           # http://127.0.0.1:3000, SQLite .threadline/chat.db
 *   npm run example:chat -- --port 3001 --database postgres://root@127.0.0.1:5432/test?schema=chat
 *   OPENAI_API_KEY=… npm run example:chat          # OpenAI instead of the mock model
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildChatPage } from "./build-page.js";
import { startChatServer } from "./server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    database: { type: "string", default: "sqlite:.threadline/chat.db" },
    "node-id": { type: "string" },
    "chunk-delay-ms": { type: "string", default: "30" },
    debug: { type: "boolean", default: process.env.CHAT_DEBUG === "1" },
  },
});

mkdirSync(".threadline", { recursive: true });
const staticDir = resolve(".threadline/chat-page");
await buildChatPage(staticDir);
const server = await startChatServer({
  database: values.database,
  port: Number(values.port),
  staticDir,
  debug: values.debug,
  mock: { chunkDelayMs: Number(values["chunk-delay-ms"]) },
  ...(values["node-id"] ? { nodeId: values["node-id"] } : {}),
});
const modelName = server.model.stats ? "the mock model" : "OpenAI";
console.log(`AI SDK chat on Threadline: ${server.url} (${values.database}, ${modelName})`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.close().then(() => process.exit(0));
  });
}
