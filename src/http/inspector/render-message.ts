/**
 * How the inspector draws a stored message: a header with role, id, status and revision badges,
 * then its parts — text, reasoning, tool calls with their state, step boundaries, and any other
 * part as its JSON.
 */
import type { StoredMessage } from "../../client/index.js";
import { type Child, h, jsonPreview } from "./dom.js";

/** One part of a message (`text`, `reasoning`, `tool-<name>`, …). */
type Part = StoredMessage["parts"][number];

/** A tool call part, static (`tool-<name>`) or dynamic. */
type ToolPart = Extract<Part, { toolCallId: string }>;

/**
 * The element of one message. Pure: the same message gives the same element, so the page
 * re-renders a message only when `applyThreadEvent` gave it a new object.
 *
 * Test hooks: `data-testid="message"` (`data-message-id`, `data-role`, `data-status`),
 * `message-status`, `message-revision`, `message-text`, `message-reasoning`, `tool-call`
 * (`data-state`).
 */
export function renderMessage(message: StoredMessage): HTMLElement {
  return h(
    "article",
    {
      class: `message role-${message.role}`,
      "data-testid": "message",
      "data-message-id": message.id,
      "data-role": message.role,
      "data-status": message.status,
    },
    h(
      "header",
      {},
      h("span", { class: "role" }, message.role),
      h("code", { class: "id" }, message.id),
      h(
        "span",
        {
          class: `badge status status-${message.status}`,
          "data-testid": "message-status",
          "data-status": message.status,
        },
        message.status,
      ),
      h(
        "span",
        { class: "badge revision", "data-testid": "message-revision", title: "revision" },
        `rev ${message.revision}`,
      ),
      h("span", { class: "muted", title: "seq of message.created" }, `#${message.createdSeq}`),
    ),
    ...message.parts.map(renderPart),
    message.errorText ? h("p", { class: "error-text" }, message.errorText) : null,
  );
}

function renderPart(part: Part): Child {
  if (part.type === "text") {
    return h("div", { class: "part text", "data-testid": "message-text" }, part.text);
  }
  if (part.type === "reasoning") {
    return h(
      "div",
      { class: "part reasoning", "data-testid": "message-reasoning" },
      h("span", { class: "part-label" }, "reasoning"),
      part.text,
    );
  }
  if (part.type === "step-start") return h("hr", { class: "step" });
  if ("toolCallId" in part) return renderToolCall(part);
  const { type, ...rest } = part;
  return h(
    "div",
    { class: "part other" },
    h("span", { class: "part-label" }, type),
    h("pre", {}, jsonPreview(rest)),
  );
}

function renderToolCall(part: ToolPart): HTMLElement {
  const name = part.type === "dynamic-tool" ? part.toolName : part.type.slice("tool-".length);
  return h(
    "div",
    { class: "part tool", "data-testid": "tool-call", "data-state": part.state },
    h(
      "div",
      {},
      h("span", { class: "part-label" }, "tool"),
      h("strong", {}, name),
      " ",
      h("span", { class: `badge tool-state state-${part.state}` }, part.state),
      part.providerExecuted ? h("span", { class: "muted" }, " provider-executed") : null,
      " ",
      h("code", { class: "muted" }, part.toolCallId),
    ),
    h("pre", { class: "tool-input" }, toolInput(part)),
    part.state === "output-available"
      ? h("pre", { class: "tool-output" }, jsonPreview(part.output))
      : null,
    part.state === "output-error" ? h("p", { class: "error-text" }, part.errorText) : null,
    part.approval ? h("pre", { class: "muted" }, `approval ${jsonPreview(part.approval)}`) : null,
  );
}

/** The input as parsed so far, or the raw text of a text-encoded input still streaming. */
function toolInput(part: ToolPart): string {
  if (part.input !== undefined) return jsonPreview(part.input);
  return part.state === "input-streaming" ? (part.rawInput ?? "") : "";
}
