/**
 * The small model of a message that the chunk generators keep (SPEC R1 tests): which part ids and
 * tool calls are open, and where tool parts and step boundaries are, mirroring ai 7's lookup rules.
 */
import type { JSONValue } from "../../src/message/index.js";

export type ModelPart =
  | { tool: false }
  | { tool: true; id: string; dynamic: boolean; approval?: string };

export interface PartialCall {
  pieces: string[];
  dynamic: boolean;
}

export const PART_IDS = ["0", "1", "t"];
export const MESSAGE_IDS = ["m1", "m2"];
export const FINISH_REASONS = ["stop", "length", "content-filter", "tool-calls", "error", "other"];
export const PM = { test: { note: "pm", n: 1 } };

/** What the generator knows about the message its chunks build. */
export class Model {
  messageId = "";
  text: string[] = [];
  reasoning: string[] = [];
  calls = new Map<string, PartialCall>();
  parts: ModelPart[] = [];
  next = 0;

  fresh(prefix: string): string {
    return `${prefix}-${this.next++}`;
  }

  stepStart(): number {
    for (let i = this.parts.length - 1; i >= 0; i--) {
      if (this.parts[i] === STEP) return i + 1;
    }
    return 0;
  }

  tools(): Array<Extract<ModelPart, { tool: true }>> {
    return this.parts.filter((part): part is Extract<ModelPart, { tool: true }> => part.tool);
  }

  /** ai's upsert: the same-kind part of the current step, else a new part. */
  upsert(id: string, dynamic: boolean): void {
    const inStep = this.parts.slice(this.stepStart());
    if (!inStep.some((part) => part.tool && part.id === id && part.dynamic === dynamic)) {
      this.parts.push({ tool: true, id, dynamic });
    }
  }

  /** ai's lookup for results: first in the current step, else last in the message. */
  findCall(id: string): Extract<ModelPart, { tool: true }> | undefined {
    const inStep = this.parts.slice(this.stepStart());
    const first = inStep.find((part) => part.tool && part.id === id);
    if (first?.tool) return first;
    return this.tools().findLast((part) => part.id === id);
  }

  reset(): void {
    this.text = [];
    this.reasoning = [];
    this.calls.clear();
  }
}

export const STEP: ModelPart = { tool: false };
export const OTHER: ModelPart = { tool: false };

export function bit(flags: number, n: number): boolean {
  return (flags & (1 << n)) !== 0;
}

export function pickFrom<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

export function metadataOf(value: JSONValue): JSONValue | undefined {
  return typeof value === "object" && value !== null ? value : undefined;
}

export function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of [...points, text.length]) {
    pieces.push(text.slice(from, point));
    from = point;
  }
  return pieces.filter((piece, index) => piece !== "" || index === 0);
}
