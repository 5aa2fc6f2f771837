import type { ThreadEvent } from "./events.js";

/**
 * Each event's JSON text, by event object: the broker hands the same object to every subscriber of
 * a thread, so every viewer's SSE frame shares one serialization (issue 9: an event serialized once
 * for the log and every viewer). Weak: an event nobody holds any more takes its JSON with it.
 */
const eventJson = new WeakMap<object, string>();

/**
 * The JSON text of `event`'s `data`, handed over by whoever already serialized it (the store, for
 * the log row), so {@link threadEventJson} never stringifies the (large) data a second time.
 */
const dataJson = new WeakMap<object, string>();

/** `"key":` of the event fields, quoted once. */
const quotedKeys = new Map<string, string>();

/**
 * The JSON text of a thread event, exactly `JSON.stringify(event)` (same keys, same order: the
 * `data:` of a `GET …/events` SSE frame, SPEC §3, R11), computed once per event object and shared
 * by every later call — the broker delivers one object to all live subscribers (R10), so each
 * live event is serialized once for all its viewers. Events read back from the log are new
 * objects and get their own serialization.
 *
 * The text is built from the data's JSON (primed by {@link primeThreadEventDataJson} when the
 * store already made it, else stringified here) and each small field stringified on its own.
 * The event must not be mutated after the first call (committed events never are).
 *
 * @example
 * ```ts
 * const frame = `event: ${event.type}\nid: ${event.seq}\ndata: ${threadEventJson(event)}\n\n`;
 * ```
 */
export function threadEventJson(event: ThreadEvent): string {
  let json = eventJson.get(event);
  if (json === undefined) {
    json = buildEventJson(event as unknown as Record<string, unknown>);
    eventJson.set(event, json);
  }
  return json;
}

/**
 * Hands over the JSON text of `event.data` — exactly `JSON.stringify(event.data)`, e.g. the log
 * row's payload the store serialized anyway — so {@link threadEventJson} builds the event's JSON
 * around it instead of serializing the data again. Call it before the event is published; a
 * second priming, or one after the event's JSON was built, changes nothing.
 *
 * @example
 * ```ts
 * const payload = JSON.stringify(event.data);
 * primeThreadEventDataJson(event, payload);
 * ```
 */
export function primeThreadEventDataJson(event: ThreadEvent, json: string): void {
  if (!dataJson.has(event)) dataJson.set(event, json);
}

/**
 * `JSON.stringify(event)` by concatenation: own enumerable keys in order, values stringified one by
 * one (skipping what `JSON.stringify` skips: `undefined`, functions, symbols), `data` from its
 * primed JSON when there is one.
 */
function buildEventJson(event: Record<string, unknown>): string {
  let json = "{";
  for (const key in event) {
    if (!Object.hasOwn(event, key)) continue;
    const value = event[key];
    const text =
      key === "data" ? (dataJson.get(event) ?? JSON.stringify(value)) : JSON.stringify(value);
    if (text === undefined) continue;
    json += json.length === 1 ? quoteKey(key) : `,${quoteKey(key)}`;
    json += text;
  }
  return `${json}}`;
}

function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = `${JSON.stringify(key)}:`;
    if (quotedKeys.size < 64) quotedKeys.set(key, quoted);
  }
  return quoted;
}
