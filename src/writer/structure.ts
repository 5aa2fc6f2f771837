import type { UIMessage } from "../message/types.js";

/**
 * True when a whole-message update changes the message's structure rather than only growing text
 * (R4, as crush's `shouldFlushNow`): a part appears or disappears, or any part changes type or
 * state (a tool call advances, reasoning or text ends).
 */
export function isStructuralUpdate(previous: UIMessage, next: UIMessage): boolean {
  if (previous.parts.length !== next.parts.length) return true;
  return next.parts.some((part, i) => {
    const before = previous.parts[i] as { type: string; state?: unknown } | undefined;
    const after = part as { type: string; state?: unknown };
    return before?.type !== after.type || before.state !== after.state;
  });
}
