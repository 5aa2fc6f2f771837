/**
 * Text and reasoning chunks: `*-start` opens a streaming part under the chunk's id, `*-delta`
 * appends to the part open under that id, `*-end` marks it done and closes the id (SPEC R1).
 */
import type { UIMessageChunk } from "./chunk-types.js";
import { type FoldDraft, rejectChunk } from "./fold-draft.js";
import { withoutUndefined } from "./fold-state.js";
import type { ReasoningUIPart, TextUIPart } from "./types.js";

type ChunkOf<T extends UIMessageChunk["type"]> = Extract<UIMessageChunk, { type: T }>;
type StreamedPart = TextUIPart | ReasoningUIPart;

/** `text-start` / `reasoning-start`: a new streaming part; a reused open id now names it. */
export function foldTextStart(
  draft: FoldDraft,
  chunk: ChunkOf<"text-start" | "reasoning-start">,
): void {
  const kind = chunk.type === "text-start" ? "text" : "reasoning";
  const part: StreamedPart =
    kind === "text"
      ? withoutUndefined<TextUIPart>({
          type: "text",
          text: "",
          providerMetadata: chunk.providerMetadata,
          state: "streaming",
        })
      : withoutUndefined<ReasoningUIPart>({
          type: "reasoning",
          id: chunk.id,
          text: "",
          providerMetadata: chunk.providerMetadata,
          state: "streaming",
        });
  draft.setOpen(kind, chunk.id, draft.append(part));
}

/**
 * `text-delta` / `reasoning-delta`: appends `delta`; a chunk's `providerMetadata` replaces the
 * part's.
 *
 * @throws ThreadlineError `chunk_rejected` when no part is open under the chunk's id.
 */
export function foldTextDelta(
  draft: FoldDraft,
  chunk: ChunkOf<"text-delta" | "reasoning-delta">,
): void {
  const part = openPart(draft, chunk);
  part.text += chunk.delta;
  if (chunk.providerMetadata != null) part.providerMetadata = chunk.providerMetadata;
}

/**
 * `text-end` / `reasoning-end`: marks the part done (with the chunk's `citations` for text, ai 7)
 * and closes its id.
 *
 * @throws ThreadlineError `chunk_rejected` when no part is open under the chunk's id.
 */
export function foldTextEnd(draft: FoldDraft, chunk: ChunkOf<"text-end" | "reasoning-end">): void {
  const part = openPart(draft, chunk);
  part.state = "done";
  if (chunk.type === "text-end" && chunk.citations != null) {
    (part as TextUIPart).citations = chunk.citations;
  }
  if (chunk.providerMetadata != null) part.providerMetadata = chunk.providerMetadata;
  draft.setOpen(chunk.type === "text-end" ? "text" : "reasoning", chunk.id, undefined);
}

function openPart(
  draft: FoldDraft,
  chunk: ChunkOf<"text-delta" | "reasoning-delta" | "text-end" | "reasoning-end">,
): StreamedPart {
  const kind = chunk.type.startsWith("text") ? "text" : "reasoning";
  const index = draft.openIndex(kind, chunk.id);
  if (index === undefined) {
    throw rejectChunk(
      chunk.type,
      `no open ${kind} part with id "${chunk.id}" (a "${kind}-start" chunk must come first)`,
    );
  }
  return draft.writablePart<StreamedPart>(index);
}
