/**
 * Helpers of the inspector tests: the page as a test drives it (through its `data-testid`s),
 * numbered screenshots, and a crawl of every file the page loads.
 */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** Where each step's screenshot goes: `test-artifacts/inspector/<test>/<nn>-<step>.png` (see `screenshots`). */
export const ARTIFACTS_DIR = "test-artifacts/inspector";

/** What one rendered message shows. */
export interface ShownMessage {
  id: string;
  role: string;
  status: string;
  revision: string;
  text: string;
}

/** The inspector page as a test sees it. */
export class InspectorPage {
  constructor(readonly page: Page) {}

  /** The list's thread ids, top to bottom. */
  threadIds(): Promise<string[]> {
    return this.page
      .getByTestId("thread-item")
      .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.threadId ?? ""));
  }

  /** The list item of a thread. */
  threadItem(threadId: string): Locator {
    return this.page.locator(`[data-testid="thread-item"][data-thread-id="${threadId}"]`);
  }

  /** Every message of the open thread, as rendered. */
  messages(): Promise<ShownMessage[]> {
    return this.page.getByTestId("message").evaluateAll((elements) =>
      elements.map((element) => {
        const el = element as HTMLElement;
        const one = (id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent ?? "";
        const texts = Array.from(el.querySelectorAll('[data-testid="message-text"]'));
        return {
          id: el.dataset.messageId ?? "",
          role: el.dataset.role ?? "",
          status: one("message-status"),
          revision: one("message-revision"),
          text: texts.map((t) => t.textContent ?? "").join(""),
        };
      }),
    );
  }

  /** The open thread's message `id`, or undefined while it is not shown. */
  async message(id: string): Promise<ShownMessage | undefined> {
    return (await this.messages()).find((m) => m.id === id);
  }

  /** The seqs of the event log's rows, top (newest) first. */
  eventSeqs(): Promise<number[]> {
    return this.page
      .getByTestId("event-row")
      .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));
  }

  /** The event types of the log's rows, top first. */
  eventTypes(): Promise<string[]> {
    return this.page
      .getByTestId("event-row")
      .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.type ?? ""));
  }

  /** The value a counter shows (`/metrics` name), or undefined when it is not shown. */
  async counter(name: string): Promise<number | undefined> {
    const value = this.page.locator(`[data-testid="counter"][data-name="${name}"] dd`);
    if ((await value.count()) === 0) return undefined;
    return Number((await value.textContent())?.replaceAll(",", ""));
  }
}

/** A file the page loads, as a crawl found it. */
export interface CrawledFile {
  path: string;
  status: number;
  contentType: string;
}

/**
 * Loads `/inspector/` and, transitively, every file it references — its stylesheet and module,
 * each module's static imports (relative, or bare through the page's import map) — through `get`,
 * as a browser would. Proves that the page finds all its files, with no browser.
 */
export async function crawlInspector(
  get: (path: string) => Response | Promise<Response>,
): Promise<CrawledFile[]> {
  const origin = "http://inspector.test";
  const page = new URL("/inspector/", origin);
  const html = await (await get(page.pathname)).text();
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  expect(importMap, "the page's import map").toBeDefined();
  const imports: Record<string, string> = JSON.parse(importMap!).imports;
  const queue = [
    ...[...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<script type="module" src="([^"]+)"/g)].map((m) => m[1]!),
  ].map((href) => new URL(href, page));
  const seen = new Map<string, CrawledFile>();
  for (let url = queue.shift(); url; url = queue.shift()) {
    if (seen.has(url.pathname)) continue;
    const response = await get(url.pathname);
    const contentType = response.headers.get("content-type") ?? "";
    seen.set(url.pathname, { path: url.pathname, status: response.status, contentType });
    if (!response.ok || !contentType.startsWith("text/javascript")) continue;
    for (const specifier of importsOf(await response.text())) {
      const mapped = imports[specifier];
      if (!specifier.startsWith(".") && mapped === undefined) {
        throw new Error(`${url.pathname} imports ${specifier}, absent from the import map`);
      }
      queue.push(mapped === undefined ? new URL(specifier, url) : new URL(mapped, page));
    }
  }
  return [...seen.values()];
}

/** Specifiers of a module's top-level `import … from "…"` and `export … from "…"` statements. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gm)].map((m) => m[1]!);
}
