/**
 * The files of the inspector page (`/inspector`, see `inspectorRoutes`), read from the library
 * itself: the page (`http/inspector/`) and the browser-safe modules it imports (`client/`, and the
 * bottom layer `protocol/`, `message/`, `errors`) are ES modules the browser loads one by one, with
 * no bundle. Built (`dist/`), they are the `.js` files `tsc` emitted and the `.html`/`.css` files
 * `npm run build` copied; from source (tsx), the `.ts` file is transpiled on request, types
 * stripped, with the `typescript` the source checkout has installed (a development convenience:
 * the first page load of a process pays for loading it).
 */
import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file to answer with: its text and content type. */
export interface InspectorFile {
  text: string;
  contentType: string;
}

/** The library's root: `src/` from source, `dist/` when built (this file is `http/…` in both). */
const LIBRARY_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The page's own files, under `http/inspector/` of the library. */
const PAGE_DIR = "http/inspector";

/**
 * Modules the browser may load (`client/index.js` and what it imports, and the page's own): the
 * client and the bottom layer never import Node (STYLE habit 3), so each runs in a browser as is.
 */
const BROWSER_MODULE = /^(?:(?:client|protocol|message|http\/inspector)\/[a-z0-9-]+|errors)\.js$/;

/** Files of `eventsource-parser` the client imports (`eventsource-parser/stream` → `index.js`). */
const SSE_PARSER_FILES = new Set(["stream.js", "index.js"]);

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

/**
 * A static file of the page, `index.html` or `inspector.css`.
 * @returns undefined when the file is missing (a `dist/` built by `tsc` alone, without the copy
 *   step of `npm run build`).
 */
export async function readPageFile(
  name: "index.html" | "inspector.css",
): Promise<InspectorFile | undefined> {
  const text = await readOptional(join(LIBRARY_ROOT, PAGE_DIR, name));
  return text === undefined ? undefined : { text, contentType: contentTypeOf(name) };
}

/**
 * A browser-safe ES module of the library by its path from the library root (`client/index.js`):
 * the built `.js`, else the source `.ts` transpiled. Its imports stay relative (`../errors.js`),
 * so the browser fetches them from the same place.
 * @returns undefined for a path outside the browser-safe modules, or a missing module.
 */
export async function readLibraryModule(path: string): Promise<InspectorFile | undefined> {
  if (!BROWSER_MODULE.test(path)) return undefined;
  const file = join(LIBRARY_ROOT, path);
  const built = await readOptional(file);
  if (built !== undefined) return { text: built, contentType: contentTypeOf(file) };
  const text = await readSourceModule(file.replace(/\.js$/, ".ts"));
  return text === undefined ? undefined : { text, contentType: contentTypeOf(file) };
}

/**
 * A file of the installed `eventsource-parser` (`stream.js` or `index.js`), which the page maps
 * the client's `eventsource-parser/stream` import to with an import map.
 * @returns undefined for any other file name.
 */
export async function readSseParserModule(name: string): Promise<InspectorFile | undefined> {
  if (!SSE_PARSER_FILES.has(name)) return undefined;
  const manifest = createRequire(import.meta.url).resolve("eventsource-parser/package.json");
  const text = await readFile(join(dirname(manifest), "dist", name), "utf8");
  return { text, contentType: contentTypeOf(name) };
}

function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Transpiled source modules by file, kept while the file's modification time stays the same. */
const transpiled = new Map<string, { mtimeMs: number; text: string }>();

/** A source module (`.ts`) as JavaScript, or undefined when there is no such file. */
async function readSourceModule(file: string): Promise<string | undefined> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(file)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const cached = transpiled.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.text;
  const text = await transpile(await readFile(file, "utf8"), file);
  transpiled.set(file, { mtimeMs, text });
  return text;
}

/**
 * Strips types from a source module (running from source only: built files are already JS). The
 * first call loads `typescript` (about a second, more on a busy machine); later ones take a few ms.
 */
async function transpile(source: string, fileName: string): Promise<string> {
  const { default: ts } = await import("typescript");
  const output = ts.transpileModule(source, {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return output.outputText;
}
