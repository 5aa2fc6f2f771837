/**
 * The inspector page's entry module (served at `/inspector/` by `inspectorRoutes`, loaded by the
 * browser as is: no bundle, no framework). It reads only the public API through
 * `threadline/client`: the thread list, the open thread's messages and events, and `/metrics`.
 *
 * With API keys on the server, `GET /v1/threads` answers 401: the page asks for a key, keeps it in
 * `sessionStorage` (this tab only) and sends it as `Authorization: Bearer` from then on.
 */
import {
  createClient,
  isThreadlineError,
  type Thread,
  type ThreadlineClient,
} from "../../client/index.js";
import { byId, h } from "./dom.js";
import { formatCount, parseCounters } from "./server-counters.js";
import { loadThreads, MAX_THREADS, renderThreadItems } from "./thread-list.js";
import { followThread, ThreadPane } from "./thread-pane.js";

/** How often the thread list and the counters are refreshed. */
const THREADS_REFRESH_MS = 3_000;
const COUNTERS_REFRESH_MS = 3_000;

/** Where the API key is kept: `sessionStorage`, gone with the tab. */
const API_KEY_STORAGE = "threadline.inspector.apiKey";

/** The thread to open, from the URL's `#thread=<id>`. */
function threadIdFromHash(): string | undefined {
  const match = /^#thread=(.+)$/.exec(window.location.hash);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** The page: its elements, its client, and the threads and open thread it shows. */
class Inspector {
  private readonly ui = {
    main: byId("main"),
    status: byId("status-line"),
    keyForm: byId<HTMLFormElement>("api-key-form"),
    keyInput: byId<HTMLInputElement>("api-key-input"),
    keyError: byId("api-key-error"),
    changeKey: byId<HTMLButtonElement>("change-key"),
    search: byId<HTMLInputElement>("thread-search"),
    threadList: byId("thread-list"),
    threadNote: byId("thread-note"),
    thread: byId("thread"),
    counters: byId("counters"),
  };
  private client: ThreadlineClient | undefined;
  private threads: Thread[] = [];
  private open: { threadId: string; controller: AbortController } | undefined;

  /** `serverUrl`: the server's root, where `/v1/…` and `/metrics` are. */
  constructor(private readonly serverUrl: URL) {}

  /** Wires the page's controls and timers, then connects with the tab's key, if any. */
  start(): void {
    this.ui.keyForm.addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(API_KEY_STORAGE, this.ui.keyInput.value.trim());
      void this.connect();
    });
    this.ui.changeKey.addEventListener("click", () => this.askForKey());
    this.ui.search.addEventListener("input", () => this.drawThreads());
    window.addEventListener("hashchange", () => void this.openFromHash());
    setInterval(() => void this.refreshThreads(), THREADS_REFRESH_MS);
    setInterval(() => void this.refreshCounters(), COUNTERS_REFRESH_MS);
    void this.refreshCounters();
    void this.connect();
  }

  /** Loads the threads with the tab's key; asks for a key on a 401. */
  private async connect(): Promise<void> {
    const apiKey = sessionStorage.getItem(API_KEY_STORAGE) || undefined;
    this.client = createClient({ baseUrl: this.serverUrl.href, ...(apiKey ? { apiKey } : {}) });
    if (!(await this.refreshThreads())) return;
    this.ui.keyForm.hidden = true;
    this.ui.main.hidden = false;
    this.ui.changeKey.hidden = apiKey === undefined;
    await this.openFromHash();
  }

  /** Shows the key form; `error` says why the last key failed. */
  private askForKey(error?: string): void {
    this.closeThread();
    this.client = undefined;
    this.ui.main.hidden = true;
    this.ui.keyForm.hidden = false;
    this.ui.keyError.textContent = error ?? "";
    this.ui.keyInput.value = "";
    this.ui.keyInput.focus();
  }

  /** Reloads the thread list. @returns false when the server refused the key (the form shows). */
  private async refreshThreads(): Promise<boolean> {
    if (!this.client) return false;
    try {
      const { threads, truncated } = await loadThreads(this.client);
      this.threads = threads;
      this.ui.threadNote.textContent = truncated
        ? `newest ${MAX_THREADS} threads`
        : `${threads.length} thread${threads.length === 1 ? "" : "s"}`;
      this.setStatus("");
      this.drawThreads();
      return true;
    } catch (error) {
      if (isThreadlineError(error, "unauthorized")) {
        const hadKey = Boolean(sessionStorage.getItem(API_KEY_STORAGE));
        sessionStorage.removeItem(API_KEY_STORAGE);
        this.askForKey(hadKey ? `The server refused this key: ${error.message}` : undefined);
        return false;
      }
      this.setStatus(`Could not load threads: ${String(error)}`);
      return this.ui.keyForm.hidden;
    }
  }

  private drawThreads(): void {
    const items = renderThreadItems(this.threads, this.ui.search.value, this.open?.threadId);
    this.ui.threadList.replaceChildren(...items);
  }

  /** Opens the thread of `#thread=<id>` (closing the previous one), live until closed. */
  private async openFromHash(): Promise<void> {
    const threadId = threadIdFromHash();
    if (!this.client || threadId === this.open?.threadId) return;
    this.closeThread();
    if (threadId === undefined) return;
    const controller = new AbortController();
    this.open = { threadId, controller };
    this.drawThreads();
    try {
      const thread = await this.client.threads.get(threadId);
      if (controller.signal.aborted) return;
      const pane = new ThreadPane(thread);
      this.ui.thread.replaceChildren(pane.element);
      await followThread(this.client, threadId, pane, controller.signal).catch((error) => {
        if (!controller.signal.aborted) pane.setState("error", String(error));
      });
    } catch (error) {
      if (controller.signal.aborted) return;
      this.ui.thread.replaceChildren(h("p", { class: "error-text" }, String(error)));
    }
  }

  private closeThread(): void {
    this.open?.controller.abort();
    this.open = undefined;
    this.ui.thread.replaceChildren(
      h("p", { class: "muted" }, "Open a thread to watch its messages and events live."),
    );
  }

  /** Reads `/metrics` (open, no key needed) and shows its counters. */
  private async refreshCounters(): Promise<void> {
    try {
      const response = await fetch(new URL("metrics", this.serverUrl));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const counters = parseCounters(await response.text());
      this.ui.counters.replaceChildren(
        ...counters.map((counter) =>
          h(
            "div",
            { class: "counter", "data-testid": "counter", "data-name": counter.name },
            h("dt", {}, counter.label),
            h("dd", {}, formatCount(counter.value)),
          ),
        ),
      );
    } catch (error) {
      this.ui.counters.replaceChildren(h("div", { class: "muted" }, `metrics: ${String(error)}`));
    }
  }

  private setStatus(text: string): void {
    this.ui.status.textContent = text;
    this.ui.status.hidden = text === "";
  }
}

new Inspector(new URL("..", window.location.href)).start();
