/**
 * What a case of the bad-request fuzz test is (issue 7 item 5, R30, SPEC §3), and the small
 * builders every case family shares. A case is built against a {@link LaneContext} when its lane
 * runs it, so the sample a seed gives is the same whatever the timing.
 */
import { PATHS } from "../../../src/protocol/http.js";
import type { RawAnswer, RawRequest } from "../http-lane.js";

/** The limits the fuzz test starts `serve` with (`--max-body-bytes` etc.). */
export const FUZZ_LIMITS = { bodyBytes: 32_768, chunkBytes: 65_536, messageBytes: 262_144 };

/** The two workspaces of the fuzz server (`--api-key WORKSPACE:KEY`). */
export const WORKSPACES = {
  own: { id: "ws-own", key: "key-own" },
  other: { id: "ws-other", key: "key-other" },
} as const;

/** What a case runs against: its lane's thread and ids, and the other workspace's. */
export interface LaneContext {
  /** A thread of the own workspace that only this lane uses. */
  threadId: string;
  /** A message of the own workspace, accepted at setup (for the other workspace to try). */
  ownMessageId: string;
  /** A thread and a message of the other workspace. */
  otherThreadId: string;
  otherMessageId: string;
  /** Another message id of the other workspace, which the own workspace may reuse. */
  otherSharedId: string;
  /** A new id, unique in the run. */
  freshId(): string;
}

/** The good traffic kinds: each must succeed whatever bad requests run beside it (R30). */
export type GoodKind = "create thread" | "append message" | "streaming upload" | "fork";

/** A complete answer (see `Lane.send`). */
export type Answered = Extract<RawAnswer, { kind: "answer" }>;

/** One request of the fuzz run and what it must get. */
export interface FuzzCase {
  /** The class of bad input (`malformed JSON`, `NUL`, …), or `good`. */
  kind: string;
  good?: GoodKind;
  request: RawRequest;
  /** The statuses it may get; absent: any status below 500 (input that may well be valid). */
  expected?: readonly number[];
  /**
   * Run on a 2xx answer: a problem with its body (good traffic), and the message it accepted, if
   * any, which must read back unchanged at the end.
   */
  check?: (answer: Answered) => { problem?: string; acceptedMessageId?: string };
}

/** A case, once it knows its lane. */
export type CaseBuilder = (lane: LaneContext) => FuzzCase;

/** `Authorization` of a workspace key. */
export function auth(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** The own workspace's `Authorization`. */
export const OWN = auth(WORKSPACES.own.key);

/** A POST of JSON text `body` to `path` in the own workspace. */
export function post(
  path: string,
  body: string,
  kind: string,
  expected?: readonly number[],
): FuzzCase {
  return {
    kind,
    request: {
      method: "POST",
      path,
      headers: { ...OWN, "content-type": "application/json" },
      body,
    },
    ...(expected ? { expected } : {}),
  };
}

/** A GET of `path` in the own workspace. */
export function get(path: string, kind: string, expected?: readonly number[]): FuzzCase {
  return {
    kind,
    request: { method: "GET", path, headers: OWN },
    ...(expected ? { expected } : {}),
  };
}

/** An upload of `records` (chunk JSON texts) to the lane's thread, as NDJSON or SSE. */
export function upload(
  lane: LaneContext,
  records: readonly string[],
  format: "ndjson" | "sse",
  kind: string,
  expected?: readonly number[],
): FuzzCase {
  const body =
    format === "ndjson"
      ? records.map((r) => `${r}\n`).join("")
      : `${records.map((r) => `data: ${r}\n\n`).join("")}data: [DONE]\n\n`;
  const contentType = format === "ndjson" ? "application/x-ndjson" : "text/event-stream";
  return {
    kind,
    request: {
      method: "POST",
      path: PATHS.messageStream(lane.threadId),
      headers: { ...OWN, "content-type": contentType },
      body,
    },
    ...(expected ? { expected } : {}),
  };
}

/** A `start` chunk with a fresh message id. */
export function startChunk(lane: LaneContext): string {
  return JSON.stringify({ type: "start", messageId: lane.freshId() });
}

/** JSON text nested `depth` levels deep, built as text (never as a value). */
export function deepJson(depth: number, arrays: boolean): string {
  return arrays
    ? `${"[".repeat(depth)}1${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** `text` with a NUL character inserted at `at` (modulo its length + 1). */
export function withNul(text: string, at: number): string {
  const i = at % (text.length + 1);
  return `${text.slice(0, i)}\u0000${text.slice(i)}`;
}

/** True when `text` is JSON. */
export function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
