/**
 * The open thread on the inspector page: its messages, rebuilt live from its events with the
 * client's `applyThreadEvent` (the same fold the server runs), and the last events of its log.
 */
import {
  applyThreadEvent,
  createThreadView,
  type StoredMessage,
  type Thread,
  type ThreadEvent,
  type ThreadlineClient,
  type ThreadView,
} from "../../client/index.js";
import { h } from "./dom.js";
import { renderEventRow } from "./render-event.js";
import { renderMessage } from "./render-message.js";

/** How many events of the log the pane keeps: the last ones, newest on top. */
export const EVENT_LOG_ROWS = 200;

/**
 * One thread's pane. Its state (the view, the log rows) changes only through {@link reset} and
 * {@link apply}; drawing is batched to one pass per animation frame, so a burst of deltas costs
 * one layout. A message is redrawn only when its object changed (`applyThreadEvent` keeps the
 * objects of untouched messages).
 *
 * Test hooks: `thread-title`, `thread-seq`, `thread-state` (`data-state`: `loading`, `live`,
 * `deleted`, `error`), `messages`, `event-log`.
 */
export class ThreadPane {
  /** The pane's root element, to put in the page. */
  readonly element: HTMLElement;
  private view: ThreadView = createThreadView(0, []);
  private readonly drawn = new WeakMap<StoredMessage, HTMLElement>();
  private readonly messages = h("div", { class: "messages", "data-testid": "messages" });
  private readonly log = h("tbody", { "data-testid": "event-log" });
  private readonly seq = h("span", { class: "badge", "data-testid": "thread-seq" }, "seq 0");
  private readonly state = h("span", { class: "badge", "data-testid": "thread-state" });
  private drawScheduled = false;

  constructor(thread: Thread) {
    this.element = h(
      "section",
      { class: "thread", "data-thread-id": thread.id },
      h(
        "header",
        {},
        h("h2", { "data-testid": "thread-title" }, thread.title ?? "(untitled)"),
        h("code", { class: "id" }, thread.id),
        this.seq,
        this.state,
        thread.forkedFrom
          ? h(
              "span",
              { class: "muted" },
              `forked from ${thread.forkedFrom.threadId} at seq ${thread.forkedFrom.seq}`,
            )
          : null,
      ),
      this.messages,
      h("h3", {}, `Event log (last ${EVENT_LOG_ROWS})`),
      h(
        "table",
        { class: "events" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...["seq", "time", "type", "message", "rev", "data"].map((t) => h("th", {}, t)),
          ),
        ),
        this.log,
      ),
    );
    this.setState("loading");
  }

  /** Starts over from a snapshot: `messages` as of `seq`. */
  reset(seq: number, messages: StoredMessage[]): void {
    this.view = createThreadView(seq, messages);
    this.scheduleDraw();
  }

  /** Applies one event of the log (an event already in the view only adds its log row). */
  apply(event: ThreadEvent): void {
    this.view = applyThreadEvent(this.view, event);
    this.log.prepend(renderEventRow(event));
    while (this.log.childElementCount > EVENT_LOG_ROWS) this.log.lastElementChild?.remove();
    this.scheduleDraw();
  }

  /** Shows where the subscription stands; `detail` is shown as the badge's text when given. */
  setState(state: "loading" | "live" | "deleted" | "error", detail: string = state): void {
    this.state.dataset.state = state;
    this.state.className = `badge state-${state}`;
    this.state.textContent = detail;
  }

  private scheduleDraw(): void {
    if (this.drawScheduled) return;
    this.drawScheduled = true;
    requestAnimationFrame(() => {
      this.drawScheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const elements = this.view.messages.map((message) => {
      let element = this.drawn.get(message);
      if (!element) {
        element = renderMessage(message);
        this.drawn.set(message, element);
      }
      return element;
    });
    this.messages.replaceChildren(...elements);
    this.seq.textContent = `seq ${this.view.seq}`;
    if (this.view.deleted) this.setState("deleted");
  }
}

/**
 * Follows a thread into `pane` until `signal` aborts or the thread is deleted: its messages
 * (`GET /v1/threads/:id/messages`), then its events (`GET /v1/threads/:id/events` from
 * {@link EVENT_LOG_ROWS} events back, so the log starts filled; the view skips what it has). The
 * client reconnects after a dropped connection without losing or repeating an event (R11, R13).
 *
 * @throws ThreadlineError from the server (`not_found`, `unauthorized`, …).
 */
export async function followThread(
  client: ThreadlineClient,
  threadId: string,
  pane: ThreadPane,
  signal: AbortSignal,
): Promise<void> {
  const { messages, seq } = await client.messages.list(threadId);
  pane.reset(seq, messages);
  pane.setState("live");
  const after = Math.max(0, seq - EVENT_LOG_ROWS);
  for await (const item of client.subscribe(threadId, { after, signal })) {
    if (item.type === "snapshot") pane.reset(item.seq, item.messages);
    else pane.apply(item);
  }
}
