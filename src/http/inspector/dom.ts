/**
 * A tiny DOM builder for the inspector page. Text is always set as `textContent`, never parsed as
 * HTML: message text, tool output and titles come from models and users.
 */

/** Attributes of {@link h}: `class`, `data-*`, `title`, …; `undefined` and `false` are left out. */
export type Attributes = Record<string, string | number | boolean | undefined>;

/** A child of {@link h}: an element, text, or nothing (`null`, `undefined`, `false` are skipped). */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element with attributes and children.
 *
 * @example
 * ```ts
 * h("span", { class: "badge", "data-status": "completed" }, "completed");
 * ```
 */
export function h<TAG extends keyof HTMLElementTagNameMap>(
  tag: TAG,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[TAG] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The element with this `id` in the page, typed; throws if the page lacks it (a broken page). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the inspector page has no #${id}`);
  return element as T;
}

/** `value` as indented JSON, cut at `maxChars` (a tool's output can be large). */
export function jsonPreview(value: unknown, maxChars = 2_000): string {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return text.length > maxChars ? `${text.slice(0, maxChars)}… (${text.length} chars)` : text;
}

/** A time as `HH:MM:SS.mmm`, local time. */
export function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
