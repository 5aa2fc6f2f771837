/**
 * Lifecycle events as log lines (issue 8 item 4; STYLE habit 11): listens to a Threadline's
 * {@link EventHub} the way `metrics.ts` does, so the core never logs by itself.
 */
import type { EventHub, ThreadlineEventMap } from "../observe.js";
import type { LogLevel, ThreadlineLogger } from "./logger.js";

type EventName = keyof ThreadlineEventMap;

/** One event's line: level, fields (besides `event`), message; undefined logs nothing. */
type LineOf<K extends EventName> = (
  payload: ThreadlineEventMap[K],
) => readonly [LogLevel, object, string] | undefined;

/**
 * How each event is logged. Per-commit, per-renewal and per-request events go at `debug` (a busy
 * node commits ~30 times a second); what an operator acts on — retries, poisoned messages,
 * takeovers, lost connections, failed background tasks — at `warn` or `error`, with the error
 * under `err` (pino serializes its message, stack and a database error's `code`).
 */
const LINES: { [K in EventName]?: LineOf<K> } = {
  "writer:commit": (p) => ["debug", p, "writer commit"],
  "writer:error": ({ error, ...p }) => [
    "warn",
    { ...p, err: error },
    `writer commit failed; retrying in ${p.retryInMs} ms`,
  ],
  "writer:poisoned": ({ error, ...p }) => [
    "error",
    { ...p, err: error },
    "message refused by the database twice alone; ended error (R30)",
  ],
  "writer:rejected": (p) => ["info", p, `write dropped: message ${p.reason}`],
  "broker:drop": (p) => [
    p.delivery === "lossy" ? "debug" : "info",
    p,
    "subscriber queue full: event dropped, subscriber catches up from the log (R12)",
  ],
  "lifecycle:stopped": (p) => ["info", p, "streaming message stopped (R28)"],
  "lifecycle:swept": (p) => ["info", p, `sweep finalized ${p.count} message(s) aborted`],
  "lifecycle:renewed": (p) => ["debug", p, "writer leases renewed"],
  "lifecycle:node-lost": (p) => [
    "warn",
    p,
    `node ${p.nodeId} silent for ${p.silentMs} ms: taken over, ${p.count} message(s) aborted (R31)`,
  ],
  "lifecycle:node-restarted": (p) => [
    "info",
    p,
    `node ${p.nodeId} restarted: ${p.count} message(s) of its previous process aborted (R31)`,
  ],
  "lifecycle:heartbeat-lost": (p) => ["warn", p, `heartbeat row lost: ${p.outcome} (R31)`],
  "lifecycle:listen-lost": ({ error }) => [
    "warn",
    { err: error },
    "notification connection lost; reconnecting",
  ],
  "lifecycle:listen-restored": (p) => [
    "info",
    p,
    `notification connection restored after ${p.gapMs} ms; subscribers catch up from the log`,
  ],
  "lifecycle:error": ({ error, ...p }) => [
    "warn",
    { ...p, err: error },
    `background task ${p.task} failed; it runs again`,
  ],
  "lifecycle:compacted": (p) => [
    p.rows > 0 ? "info" : "debug",
    p,
    `log compaction removed ${p.rows} delta event(s); ${p.messages} finished message(s) done (R32)`,
  ],
  "lifecycle:thread-batch": (p) => ["debug", p, "thread deletion batch (R20)"],
  "lifecycle:thread-purged": (p) => ["info", p, "thread idle past its TTL deleted (R25)"],
  "workspace:refused": (p) => [
    "info",
    p,
    `workspace ${p.workspaceId} refused 429: at its limit of ${p.max} ${p.limit} (R33)`,
  ],
  "workspace:waited": (p) => ["debug", p, `chunk waited ${p.waitMs} ms for its turn (R33)`],
  "inbound:replayed": (p) => ["debug", p, "idempotency key replayed (R21)"],
  "inbound:conflict": (p) => ["debug", p, `idempotency key conflict: ${p.reason} (R21)`],
  "inbound:taken-over": (p) => ["info", p, "stale idempotency claim taken over (R21)"],
  "inbound:purged": (p) => [
    p.claims + p.triggers > 0 ? "info" : "debug",
    p,
    `retention purge deleted ${p.claims} claim(s), ${p.triggers} trigger(s) (R25)`,
  ],
  "run:armed": (p) => ["debug", p, "run trigger armed (R22)"],
  "run:fired": (p) => ["info", p, "run fired (R22)"],
  "run:failed": ({ error, ...p }) =>
    p.retryInMs === null
      ? ["error", { ...p, err: error }, "run delivery failed; giving up, kept as failed (R24)"]
      : ["warn", { ...p, err: error }, `run delivery failed; retrying in ${p.retryInMs} ms (R24)`],
  "run:notice": (p) => ["warn", p, `run declined: ${p.reason}; notice appended (R24)`],
  "run:fenced": (p) => ["info", p, "run delivery fenced by a newer claim (R23)"],
};

/**
 * Logs a Threadline's lifecycle events to `logger` (issue 8 item 4): sweeps, stops, node
 * takeovers and restarts, lost and restored notification connections, writer retries
 * (`writer:error`), poisoned messages, drops, run retries and notices, purges, log compaction
 * steps and thread purges (R32, R25), workspaces refused over their limits (R33, `info`; a chunk
 * waiting for its turn only at `debug`), each line carrying
 * the event's fields and `event` (its name, e.g. `"lifecycle:swept"`). Per-commit and per-request
 * events only at `debug`. Returns a function that stops logging.
 *
 * To hear the sweep at start, attach before Threadline opens: pass the hub as
 * `createThreadline({ events })` (as `threadline serve` does).
 *
 * @example
 * ```ts
 * const events = new EventHub();
 * logThreadlineEvents(events, pino());
 * const threadline = await createThreadline({ database, events });
 * // {"level":30,"event":"lifecycle:swept","count":2,"msg":"sweep finalized 2 message(s) aborted"}
 * ```
 */
export function logThreadlineEvents(events: EventHub, logger: ThreadlineLogger): () => void {
  const offs = (Object.keys(LINES) as EventName[]).map((name) => listen(events, logger, name));
  return () => {
    for (const off of offs) off();
  };
}

function listen<K extends EventName>(
  events: EventHub,
  logger: ThreadlineLogger,
  name: K,
): () => void {
  const line = LINES[name] as LineOf<K>;
  return events.on(name, (payload) => {
    const logged = line(payload);
    if (!logged) return;
    const [level, fields, message] = logged;
    logger[level]({ event: name, ...fields }, message);
  });
}
