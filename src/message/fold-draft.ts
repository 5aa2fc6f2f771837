/**
 * Copy-on-write working copy of a {@link FoldState} (SPEC R1 fold, performance).
 *
 * Chunk handlers read and "mutate" a draft; the draft copies the parts array, a part or an open map
 * the first time it is written and never touches the state it started from. Folding a delta thus
 * costs one new parts array, one new part and one new message shell, and folding a batch of chunks
 * with one draft copies each of them at most once.
 */
import { ThreadlineError } from "../errors.js";
import type { FinishReason } from "./chunk-types.js";
import {
  emptyOpenParts,
  type FoldState,
  getOwn,
  type OpenParts,
  type PartialToolCall,
} from "./fold-state.js";
import type { UIMessage, UIMessagePart } from "./types.js";

type OpenMapName = "text" | "reasoning" | "tools";
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The mutable working copy handlers operate on. Internal to the fold. */
export class FoldDraft {
  #base: FoldState;
  #message: UIMessage;
  #ownsMessage = false;
  #ownsParts = false;
  /**
   * The first part created or copied by this draft, safe to mutate, and the further ones in a set
   * made on the second: most drafts fold one delta into one part, and a draft is made per chunk
   * (issue 9: a set per delta was ~130 bytes of every delta's garbage).
   */
  #ownedPart: object | undefined;
  #moreOwnedParts: Set<object> | undefined;
  #open: Mutable<OpenParts>;
  /** Open-part maps copied by this draft (created on the first). */
  #ownedMaps: Set<OpenMapName> | undefined;
  #ownsOpen = false;

  constructor(base: FoldState) {
    this.#base = base;
    this.#message = base.message;
    this.#open = base.open as Mutable<OpenParts>;
  }

  /** The message as folded so far (read-only view). */
  get message(): UIMessage {
    return this.#message;
  }

  /** The parts as folded so far (read-only view). */
  get parts(): readonly UIMessagePart[] {
    return this.#message.parts;
  }

  /** Sets the message id and/or metadata. */
  setMessage(fields: { id?: string; metadata?: unknown }): void {
    const message = this.#writableMessage();
    if (fields.id !== undefined) message.id = fields.id;
    if (fields.metadata !== undefined) message.metadata = fields.metadata;
  }

  /** Replaces the whole state by an empty assistant message with `id` (a `start` reset). */
  reset(id: string): void {
    this.#message = { id, role: "assistant", parts: [] };
    this.#ownsMessage = true;
    this.#ownsParts = true;
    this.#open = emptyOpenParts();
    this.#ownsOpen = true;
    this.#ownedMaps = new Set(["text", "reasoning", "tools"]);
  }

  /** Appends `part` (which the draft now owns) and returns its index. */
  append(part: UIMessagePart): number {
    const parts = this.#writableParts();
    this.#own(part);
    return parts.push(part) - 1;
  }

  /** The part at `index`, copied first if this draft does not own it yet, for mutation. */
  writablePart<T extends object = UIMessagePart>(index: number): T {
    const parts = this.#writableParts();
    let part = parts[index] as UIMessagePart;
    if (!this.#owns(part)) {
      part = { ...part };
      this.#own(part);
      parts[index] = part;
    }
    return part as unknown as T;
  }

  /** Removes every part from `start` on. */
  truncate(start: number): void {
    if (start < this.parts.length) this.#writableParts().length = start;
  }

  /** The open-part bookkeeping (read-only view). */
  get open(): OpenParts {
    return this.#open;
  }

  /** Sets (or with `undefined` removes) one entry of an open-part map. */
  setOpen(map: "text" | "reasoning", key: string, index: number | undefined): void;
  setOpen(map: "tools", key: string, call: PartialToolCall): void;
  setOpen(map: OpenMapName, key: string, value: number | PartialToolCall | undefined): void {
    const target = this.#writableMap(map);
    if (value === undefined) delete target[key];
    else target[key] = value;
  }

  /** Looks up an open text or reasoning part index, or a partial tool call. */
  openIndex(map: "text" | "reasoning", key: string): number | undefined {
    return getOwn(this.#open[map], key);
  }

  /** Empties every open-part map (`reset-step`). */
  closeAll(): void {
    const open = this.#writableOpen();
    open.text = Object.create(null);
    open.reasoning = Object.create(null);
    open.tools = Object.create(null);
    this.#ownedMaps = new Set(["text", "reasoning", "tools"]);
  }

  /** Records the finish reason. */
  setFinishReason(reason: FinishReason): void {
    this.#writableOpen().finishReason = reason;
  }

  /** The resulting state: the base state itself when nothing was written. */
  result(): FoldState {
    if (!this.#ownsMessage && !this.#ownsOpen) return this.#base;
    return { message: this.#message, open: this.#open };
  }

  #owns(part: object): boolean {
    return part === this.#ownedPart || this.#moreOwnedParts?.has(part) === true;
  }

  #own(part: object): void {
    if (this.#ownedPart === undefined) {
      this.#ownedPart = part;
      return;
    }
    this.#moreOwnedParts ??= new Set();
    this.#moreOwnedParts.add(part);
  }

  #writableMessage(): UIMessage {
    if (!this.#ownsMessage) {
      this.#message = { ...this.#message };
      this.#ownsMessage = true;
    }
    return this.#message;
  }

  #writableParts(): UIMessagePart[] {
    const message = this.#writableMessage();
    if (!this.#ownsParts) {
      message.parts = message.parts.slice();
      this.#ownsParts = true;
    }
    return message.parts;
  }

  #writableOpen(): Mutable<OpenParts> {
    if (!this.#ownsOpen) {
      this.#open = { ...this.#open };
      this.#ownsOpen = true;
    }
    return this.#open;
  }

  #writableMap(name: OpenMapName): Record<string, number | PartialToolCall> {
    const open = this.#writableOpen();
    if (!this.#ownedMaps?.has(name)) {
      open[name] = Object.assign(Object.create(null), open[name]);
      this.#ownedMaps ??= new Set();
      this.#ownedMaps.add(name);
    }
    return open[name] as Record<string, number | PartialToolCall>;
  }
}

/**
 * The `chunk_rejected` error a handler throws when a chunk cannot apply (SPEC R2). The message
 * names the chunk type and the reason; {@link foldChunks} adds the chunk index.
 */
export function rejectChunk(chunkType: string, reason: string): ThreadlineError {
  return new ThreadlineError("chunk_rejected", `Cannot apply "${chunkType}" chunk: ${reason}`, {
    details: { chunkType, reason },
  });
}
