/**
 * What the load generator needs from a server under test: threads (or streams) that each carry one
 * producer and one live viewer, in the shape of the in-process strategies (`BenchThread`,
 * `StreamingMessage`), so `prepareStream` / `runStream` of `bench/producer.ts` drive both.
 */
import type { BenchThread, DeliveryListener } from "../strategies/strategy.js";

/** The id of the one text part every benchmark message streams. */
export const PART_ID = "t";

/** Collects transport errors without failing the step on the first one. */
export class ErrorLog {
  count = 0;
  readonly first: string[] = [];

  /** Records an error (the first five keep their text). */
  readonly record = (error: unknown): void => {
    this.count += 1;
    if (this.first.length < 5)
      this.first.push(error instanceof Error ? error.message : String(error));
  };
}

/** A server as the load generator sees it. */
export interface HttpPeer {
  /**
   * Creates a thread (Threadline) or a durable stream (Durable Streams) and starts one live viewer
   * on it that reports every message state it receives to `onDelivery` (message id, text length).
   * Resolves once the viewer is connected.
   */
  openThread(onDelivery: DeliveryListener): Promise<BenchThread>;
  /** Closes the peer's connections. */
  close(): Promise<void>;
}

/** The total length of a UI message's text parts (characters). */
export function textLength(parts: readonly { type: string; text?: string }[]): number {
  let length = 0;
  for (const part of parts) if (part.type === "text") length += part.text?.length ?? 0;
  return length;
}
