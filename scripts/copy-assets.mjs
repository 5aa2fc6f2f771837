/**
 * Copies the library's files that are not TypeScript — the inspector page's HTML and CSS, and the
 * plain-JavaScript worker scripts (`.mjs`, e.g. the SQLite worker: Node starts a worker from a file
 * nobody transpiles) — from `src/` into a build, next to the modules `tsc` emitted there
 * (`npm run build` runs it after `tsc`, which copies nothing but what it compiles).
 *
 * Usage: `node scripts/copy-assets.mjs [outDir]` (default `dist`, relative to the working
 * directory as `tsc --outDir` is).
 */
import { cpSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ASSET = /\.(?:html|css|mjs)$/;
const sourceDir = fileURLToPath(new URL("../src", import.meta.url));
const outDir = process.argv[2] ?? "dist";

cpSync(sourceDir, outDir, {
  recursive: true,
  filter: (path) => ASSET.test(path) || statSync(path).isDirectory(),
});
