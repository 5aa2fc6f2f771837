/**
 * Message-level and content chunks (SPEC R1): `start`, `finish`, `message-metadata`, steps,
 * sources, files, `custom`, `steering-message` and `data-*`.
 */
import type { DataUIMessageChunk, UIMessageChunk } from "./chunk-types.js";
import { type FoldDraft, rejectChunk } from "./fold-draft.js";
import { lastStepStart, withoutUndefined } from "./fold-state.js";
import { mergeMetadata } from "./merge-metadata.js";
import type { DataUIPart, UIMessagePart } from "./types.js";

type ChunkOf<T extends UIMessageChunk["type"]> = Extract<UIMessageChunk, { type: T }>;

/**
 * `start`: a `messageId` different from the current id starts over with an empty assistant message
 * of that id (as `readUIMessageStream` does); then `messageMetadata` is merged.
 */
export function foldStart(draft: FoldDraft, chunk: ChunkOf<"start">): void {
  if (chunk.messageId != null && chunk.messageId !== draft.message.id) {
    draft.reset(chunk.messageId);
  }
  mergeIntoMetadata(draft, chunk);
}

/** `finish`: records `finishReason` and merges `messageMetadata`. */
export function foldFinish(draft: FoldDraft, chunk: ChunkOf<"finish">): void {
  if (chunk.finishReason != null) draft.setFinishReason(chunk.finishReason);
  mergeIntoMetadata(draft, chunk);
}

/**
 * Deep-merges a chunk's `messageMetadata` (when not null) into the message's metadata.
 *
 * @throws ThreadlineError `chunk_rejected` when the current metadata is a primitive that cannot
 *   take the new members (where `ai` fails with a TypeError).
 */
export function mergeIntoMetadata(
  draft: FoldDraft,
  chunk: ChunkOf<"start" | "finish" | "message-metadata">,
): void {
  const update = chunk.messageMetadata;
  if (update == null) return;
  const current = draft.message.metadata;
  try {
    draft.setMessage({ metadata: current != null ? mergeMetadata(current, update) : update });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw rejectChunk(chunk.type, `cannot merge messageMetadata into ${typeof current} metadata`);
  }
}

/** `reset-step` (ai 7): drops the current step's parts and everything open. */
export function foldResetStep(draft: FoldDraft): void {
  draft.closeAll();
  draft.truncate(lastStepStart(draft.parts));
}

/** Chunks that append one part built from the chunk's fields. */
export function foldContentPart(
  draft: FoldDraft,
  chunk: ChunkOf<
    | "source-url"
    | "source-document"
    | "file"
    | "reasoning-file"
    | "custom"
    | "steering-message"
    | "start-step"
  >,
): void {
  draft.append(contentPart(chunk));
}

function contentPart(chunk: Parameters<typeof foldContentPart>[1]): UIMessagePart {
  switch (chunk.type) {
    case "start-step":
      return { type: "step-start" };
    case "source-url":
      return withoutUndefined({
        type: chunk.type,
        sourceId: chunk.sourceId,
        url: chunk.url,
        title: chunk.title,
        providerMetadata: chunk.providerMetadata,
      });
    case "source-document":
      return withoutUndefined({
        type: chunk.type,
        sourceId: chunk.sourceId,
        mediaType: chunk.mediaType,
        title: chunk.title,
        filename: chunk.filename,
        providerMetadata: chunk.providerMetadata,
      });
    case "file":
    case "reasoning-file":
      return withoutUndefined({
        type: chunk.type,
        mediaType: chunk.mediaType,
        url: chunk.url,
        providerMetadata: chunk.providerMetadata ?? undefined,
      });
    case "custom":
      return withoutUndefined({
        type: chunk.type,
        kind: chunk.kind,
        providerMetadata: chunk.providerMetadata,
      });
    case "steering-message":
      return { type: chunk.type, id: chunk.id, parts: chunk.parts };
  }
}

/**
 * `data-<name>`: `transient` chunks are not stored; a chunk with the `type` and `id` of an existing
 * data part replaces that part's `data` in place; any other is appended as it came (all fields).
 */
export function foldData(draft: FoldDraft, chunk: DataUIMessageChunk): void {
  if (chunk.transient) return;
  if (chunk.id != null) {
    const index = draft.parts.findIndex(
      (part) => part.type === chunk.type && (part as DataUIPart).id === chunk.id,
    );
    if (index >= 0) {
      draft.writablePart<DataUIPart>(index).data = chunk.data;
      return;
    }
  }
  draft.append({ ...chunk } as DataUIPart);
}
