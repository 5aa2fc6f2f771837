import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The chat page: `web/` built by `buildChatPage` (or `npm run example:chat`). For a dev server with
 * hot reload, run the example server, then `npx vite --config examples/ai-sdk-chat/vite.config.ts`:
 * it proxies `/api` to `CHAT_API` (default http://127.0.0.1:3000).
 */
export default defineConfig({
  root: fileURLToPath(new URL("./web", import.meta.url)),
  plugins: [react()],
  build: {
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2_000, // React's development build (NODE_ENV=test in vitest) is ~1 MB
    rollupOptions: {
      // zod's bundles carry `@__PURE__` comments where Rollup cannot use them; it says so per file.
      onwarn: (warning, warn) => warning.code === "INVALID_ANNOTATION" || warn(warning),
    },
  },
  server: { proxy: { "/api": process.env.CHAT_API ?? "http://127.0.0.1:3000" } },
});
