import { fileURLToPath } from "node:url";
import { build } from "vite";

const CONFIG_FILE = fileURLToPath(new URL("./vite.config.ts", import.meta.url));

/**
 * Builds the chat page (`web/`) with Vite into `outDir`, ready for `startChatServer({ staticDir })`.
 *
 * @example
 * ```ts
 * await buildChatPage(".threadline/chat-page");
 * ```
 */
export async function buildChatPage(outDir: string): Promise<void> {
  await build({
    configFile: CONFIG_FILE,
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
}
