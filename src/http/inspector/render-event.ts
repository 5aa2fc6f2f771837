/**
 * How the inspector draws one row of a thread's event log: seq, time, type, message, revision and
 * a one-line summary of the event's data.
 */
import type { ThreadEvent } from "../../client/index.js";
import { clockTime, h } from "./dom.js";

/**
 * The table row of one event. Test hook: `data-testid="event-row"` with `data-seq` and
 * `data-type`.
 */
export function renderEventRow(event: ThreadEvent): HTMLTableRowElement {
  return h(
    "tr",
    { "data-testid": "event-row", "data-seq": event.seq, "data-type": event.type },
    h("td", { class: "seq" }, event.seq),
    h("td", { class: "muted" }, clockTime(event.createdAt)),
    h("td", {}, event.type),
    h("td", {}, h("code", {}, event.messageId ?? "")),
    h("td", {}, event.revision ?? ""),
    h("td", { class: "summary" }, summarize(event)),
  );
}

/** A short description of an event's data: chunk types of a delta, a message's final status, … */
export function summarize(event: ThreadEvent): string {
  switch (event.type) {
    case "thread.created":
      return `title ${JSON.stringify(event.data.thread.title)}`;
    case "thread.forked":
      return `from ${event.data.forkedFrom.threadId} at seq ${event.data.forkedFrom.seq}`;
    case "message.created":
      return `${event.data.message.role}, ${event.data.message.status}`;
    case "message.delta":
      return `${event.data.message ? "update + " : ""}${countTypes(event.data.chunks)}`;
    case "message.finished":
      return `${event.data.message.status}; ${countTypes(event.data.chunks)}`;
    case "run.triggered":
      return `run ${event.data.triggerId}: ${event.data.messageIds.length} message(s)`;
    default:
      return "";
  }
}

/** `text-delta ×12, finish` from a list of chunks. */
function countTypes(chunks: readonly { type: string }[]): string {
  const counts = new Map<string, number>();
  for (const chunk of chunks) counts.set(chunk.type, (counts.get(chunk.type) ?? 0) + 1);
  const parts = [...counts].map(([type, n]) => (n > 1 ? `${type} ×${n}` : type));
  return parts.length > 0 ? parts.join(", ") : "no chunks";
}
