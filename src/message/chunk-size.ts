/**
 * A chunk's size in bytes, what the size limits (R2, SPEC §3 413) and the byte rate (R33) count;
 * any value, since it may be read before the chunk is checked: for the frequent deltas their text's
 * UTF-8 bytes plus a fixed allowance for the JSON around it (no serialization), else its JSON's
 * UTF-8 bytes (0 when it has none).
 */
export function chunkBytes(chunk: unknown): number {
  const fields = (typeof chunk === "object" && chunk !== null ? chunk : {}) as {
    type?: unknown;
    delta?: unknown;
    inputTextDelta?: unknown;
  };
  if (fields.type === "text-delta" || fields.type === "reasoning-delta") {
    if (typeof fields.delta === "string") return Buffer.byteLength(fields.delta) + 40;
  }
  if (fields.type === "tool-input-delta" && typeof fields.inputTextDelta === "string") {
    return Buffer.byteLength(fields.inputTextDelta) + 60;
  }
  try {
    return Buffer.byteLength(JSON.stringify(chunk) ?? "");
  } catch {
    return 0; // not serializable: the writer refuses it anyway
  }
}

/** Chunk types that end a message: never held back, so a message can always end (R16, R33). */
export function isTerminalChunk(chunk: unknown): boolean {
  const type = (chunk as { type?: unknown } | null)?.type;
  return type === "finish" || type === "error" || type === "abort";
}
