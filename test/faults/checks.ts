/**
 * What the fault suite checks after a crash or a shutdown, read straight from the database the
 * server used, and how it prints its figures.
 */
import type { ThreadEvent } from "../../src/protocol/events.js";
import { PATHS } from "../../src/protocol/http.js";
import type { StoredMessage } from "../../src/protocol/resources.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { logOf, textOf } from "../support/helpers.js";

/** The workspace a server without API keys serves. */
export const WORKSPACE = "default";

/**
 * Opens the store of `database` the way an operator's tool would, for reading what a (stopped)
 * server left behind, closes it after `read`. Nothing is migrated or swept.
 */
export async function withStore<T>(database: string, read: (store: Store) => Promise<T>) {
  const store = await openStore(database, "fault-suite-reader");
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** One thread's log, checked: its problems (empty when sound) and each message's finished event. */
export interface LogCheck {
  events: number;
  problems: string[];
  finished: Map<string, Extract<ThreadEvent, { type: "message.finished" }>>;
}

/**
 * Reads a thread's log and checks it is dense (seq 1..n, no gap, no repeat) and that every message
 * it created has exactly one `message.finished`, after which no event of that message follows
 * (SPEC §1 event log, R16).
 */
export async function checkLog(store: Store, threadId: string): Promise<LogCheck> {
  const log = await logOf(store, WORKSPACE, threadId);
  const problems: string[] = [];
  const created = new Set<string>();
  const finished: LogCheck["finished"] = new Map();
  log.forEach((event, index) => {
    if (event.seq !== index + 1)
      problems.push(`${threadId}: seq ${event.seq} at position ${index + 1}`);
    const id = event.messageId;
    if (id === null) return;
    if (finished.has(id))
      problems.push(`${threadId}: ${event.type} of ${id} after its message.finished`);
    if (event.type === "message.created") created.add(id);
    if (event.type === "message.finished") finished.set(id, event);
  });
  for (const id of created) {
    if (!finished.has(id)) problems.push(`${threadId}: ${id} has no message.finished`);
  }
  for (const id of finished.keys()) {
    if (!created.has(id)) problems.push(`${threadId}: ${id} finished but never created`);
  }
  return { events: log.length, problems, finished };
}

/** The reason of the `abort` chunk that ended a message, if that is how its log ends it. */
export function abortReason(
  finished: Extract<ThreadEvent, { type: "message.finished" }> | undefined,
): string | undefined {
  const chunk = finished?.data.chunks.at(-1);
  return chunk?.type === "abort" ? (chunk.reason ?? "") : undefined;
}

/**
 * What a stored message lost of what its producer sent: `undefined` when its text is not a prefix
 * of `sent` (something was changed, not just cut), else the number of characters missing.
 */
export function charactersLost(sent: string, message: StoredMessage): number | undefined {
  const stored = textOf(message);
  return sent.startsWith(stored) ? sent.length - stored.length : undefined;
}

/** The `p`-th percentile (0–100, nearest rank) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? 0;
}

/** Prints a test's figures as a small two-column table under `title` (the suite's report). */
export function printFigures(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  const lines = Object.entries(figures).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  console.log(`\n${title}\n${lines.join("\n")}`);
}

/** The sum of `values`. */
export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Awaits `promise`, failing after `ms` with what was awaited (a bound, not a sleep). */
export async function withBound<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The writer's figures from a server's `/metrics` so far: commits (R5: one per tick) and their
 * mean duration — what explains the characters a crash can lose.
 */
export async function writerMetrics(
  baseUrl: string,
): Promise<{ commits: number; meanCommitMs: number }> {
  const text = await (await fetch(`${baseUrl}${PATHS.metrics}`)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  const commits = value("threadline_writer_commits_total");
  const count = value("threadline_writer_commit_duration_seconds_count");
  const seconds = value("threadline_writer_commit_duration_seconds_sum");
  return { commits, meanCommitMs: count === 0 ? 0 : (seconds / count) * 1_000 };
}
