import type { ThreadEvent } from "./events.js";

/**
 * The serializations of one event object made so far, shared by everyone holding the object: the
 * broker hands the same object to every subscriber of a thread, so each live event is serialized
 * once for the log and all its viewers (issue 9).
 */
export interface ThreadEventCache {
  /** `JSON.stringify(event.data)`, handed over by whoever made it ({@link primeThreadEventDataJson}). */
  dataJson?: string;
  /** `JSON.stringify(event)` ({@link threadEventJson}). */
  json?: string;
  /** The event's SSE frame as UTF-8 bytes (the HTTP layer's; never written into). */
  sseFrame?: Uint8Array;
}

/** Where an event object keeps its {@link ThreadEventCache}. */
const CACHE = Symbol("threadline.eventCache");

/**
 * The {@link ThreadEventCache} of `event`, kept on the object itself under a symbol that is not
 * enumerable, so it is never part of the event's JSON, keys, spread or deep equality. One slot per
 * event rather than a `WeakMap` per serialization: three `WeakMap` entries per event cost 3–4 µs
 * more than this slot in lookups and GC (issue 9, a micro-benchmark of 2026-12-03). `undefined`
 * for an object that cannot take the slot (frozen): callers then serialize without keeping the
 * result.
 */
export function threadEventCache(event: ThreadEvent): ThreadEventCache | undefined {
  const holder = event as unknown as { [CACHE]?: ThreadEventCache };
  let cache = holder[CACHE];
  if (cache === undefined) {
    if (!Object.isExtensible(event)) return undefined;
    cache = {};
    Object.defineProperty(event, CACHE, { value: cache });
  }
  return cache;
}

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
  const cache = threadEventCache(event);
  let json = cache?.json;
  if (json === undefined) {
    json = buildEventJson(event as unknown as Record<string, unknown>, cache?.dataJson);
    if (cache) cache.json = json;
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
  const cache = threadEventCache(event);
  if (cache) cache.dataJson ??= json;
}

/**
 * `JSON.stringify(event)` by concatenation: own enumerable keys in order, values stringified one by
 * one (skipping what `JSON.stringify` skips: `undefined`, functions, symbols), `data` from its
 * primed JSON when there is one.
 */
function buildEventJson(event: Record<string, unknown>, dataJson: string | undefined): string {
  let json = "{";
  for (const key in event) {
    if (!Object.hasOwn(event, key)) continue;
    const value = event[key];
    const text = key === "data" ? (dataJson ?? JSON.stringify(value)) : JSON.stringify(value);
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
