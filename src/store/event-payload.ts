import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { EventRow } from "./schema.js";

/**
 * Payloads shorter than this (UTF-16 code units) stay as written when compaction deflates a
 * thread's final messages: raw DEFLATE gains little on a short JSON text and a row of a few hundred
 * bytes shares its page anyway.
 */
const MIN_DEFLATE_LENGTH = 512;

/**
 * The data JSON of an `events` row: its `payload`, or the inflated `payload_deflated` once log
 * compaction deflated it (migration 5, R32).
 */
export function eventPayloadText(row: Pick<EventRow, "payload" | "payload_deflated">): string {
  return row.payload_deflated ? inflateRawSync(row.payload_deflated).toString("utf8") : row.payload;
}

/**
 * `payload` compressed with raw DEFLATE for `events.payload_deflated`, or undefined when it is
 * shorter than 512 code units or would not shrink (R32, issue 8 item 3: the final text of a
 * compacted message is then stored once and compressed).
 */
export function deflatePayload(payload: string): Buffer | undefined {
  if (payload.length < MIN_DEFLATE_LENGTH) return undefined;
  const deflated = deflateRawSync(payload);
  return deflated.length < Buffer.byteLength(payload) ? deflated : undefined;
}
