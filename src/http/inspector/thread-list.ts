/**
 * The thread list of the inspector page: the workspace's threads newest first (the order of
 * `GET /v1/threads`), filtered by a search over ids and titles.
 */
import type { Thread, ThreadlineClient } from "../../client/index.js";
import { h } from "./dom.js";

/** The most threads the list loads (pages of {@link PAGE_SIZE}); search covers these. */
export const MAX_THREADS = 1_000;

/** Threads per `GET /v1/threads` page (the API's maximum). */
const PAGE_SIZE = 200;

/**
 * The newest threads, up to {@link MAX_THREADS}, newest first, following `nextCursor`.
 * @returns the threads, and whether older ones were left out.
 * @throws ThreadlineError from the server (`unauthorized`, …).
 */
export async function loadThreads(
  client: ThreadlineClient,
): Promise<{ threads: Thread[]; truncated: boolean }> {
  const threads: Thread[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.threads.list({
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    threads.push(...page.threads);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined && threads.length < MAX_THREADS);
  return { threads, truncated: cursor !== undefined };
}

/** True when `query` (case-insensitive) is part of the thread's id or title. */
export function matchesSearch(thread: Thread, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (needle === "") return true;
  return (
    thread.id.toLowerCase().includes(needle) || (thread.title ?? "").toLowerCase().includes(needle)
  );
}

/**
 * The list's items for `threads` matching `query`, the `selectedId` one marked. Each item is a
 * link to `#thread=<id>`. Test hook: `data-testid="thread-item"` with `data-thread-id`.
 */
export function renderThreadItems(
  threads: readonly Thread[],
  query: string,
  selectedId: string | undefined,
): HTMLLIElement[] {
  return threads
    .filter((thread) => matchesSearch(thread, query))
    .map((thread) =>
      h(
        "li",
        {},
        h(
          "a",
          {
            href: `#thread=${encodeURIComponent(thread.id)}`,
            class: thread.id === selectedId ? "thread-item selected" : "thread-item",
            "data-testid": "thread-item",
            "data-thread-id": thread.id,
            "aria-current": thread.id === selectedId ? "true" : undefined,
          },
          h("span", { class: "title" }, thread.title ?? "(untitled)"),
          h("code", { class: "id" }, thread.id),
          h(
            "span",
            { class: "muted" },
            `seq ${thread.headSeq} · ${new Date(thread.updatedAt).toLocaleString()}`,
          ),
        ),
      ),
    );
}
