import { isThreadlineError, ThreadlineError } from "../errors.js";
import { finalizeMessage } from "../message/finalize.js";
import type { StoredMessage, Thread } from "../protocol/resources.js";
import type { ThreadlineWorkspace } from "../workspace.js";
import { checkMessageInput, checkThreadInput } from "../workspace-input.js";

/** One line of an export: the thread first, then its messages in order. */
export type ThreadJsonlLine =
  | { type: "thread"; thread: Thread }
  | { type: "message"; message: StoredMessage };

/**
 * Exports a thread as JSON Lines (SPEC §4 `threadline export`): one `thread` line, then one
 * `message` line per message in thread order, as committed (read-your-writes).
 *
 * @throws ThreadlineError `not_found`.
 */
export async function* exportThreadJsonl(
  workspace: ThreadlineWorkspace,
  threadId: string,
): AsyncGenerator<string> {
  const thread = await workspace.threads.get(threadId);
  yield JSON.stringify({ type: "thread", thread } satisfies ThreadJsonlLine);
  const { messages } = await workspace.messages.list(threadId);
  for (const message of messages)
    yield JSON.stringify({ type: "message", message } satisfies ThreadJsonlLine);
}

/**
 * Imports an export (SPEC §4 `threadline import`): creates the thread (under `threadId` when given,
 * else its exported id) and its messages with their ids, statuses and parts. A message exported
 * while still streaming is imported `aborted` (R16): no writer will ever finish it here.
 *
 * All or nothing: every line is read, parsed and validated (its parts per SPEC R2; its title,
 * metadata and error text per R30: no NUL character, nesting at most 64 levels) before anything is
 * written, and a write that still fails (a message id taken, say) deletes the thread it created,
 * so a failed import leaves no thread behind (issue 7). Each message goes through
 * `importMessage`, so it passes the same validation as a posted or streamed message.
 *
 * @returns the new thread and the number of messages imported.
 * @throws ThreadlineError `bad_request` for a malformed line, a message with a bad part or a
 *   field the database would refuse (naming the line number, and the part's index or the field:
 *   `import line 3: parts[2]: unknown part type "banana"`, `import line 1: metadata contains a NUL
 *   character`; `details: { line, partIndex?, field? }`), `conflict` when the thread or a message id already exists.
 */
export async function importThreadJsonl(
  workspace: ThreadlineWorkspace,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { threadId?: string; now: number },
): Promise<{ thread: Thread; messages: number }> {
  const { thread: exported, messages } = await readImport(lines);
  const thread = await workspace.threads.create({
    id: options.threadId ?? exported.id,
    title: exported.title,
    metadata: exported.metadata,
  });
  try {
    for (const { message, lineNumber } of messages) {
      await atLine(lineNumber, () => workspace.importMessage(thread.id, message, options.now));
    }
  } catch (error) {
    await workspace.threads.delete(thread.id).catch(() => {});
    throw error;
  }
  return { thread: await workspace.threads.get(thread.id), messages: messages.length };
}

/** Reads, parses and validates a whole export before anything is written. */
async function readImport(
  lines: AsyncIterable<string> | Iterable<string>,
): Promise<{ thread: Thread; messages: { message: StoredMessage; lineNumber: number }[] }> {
  let thread: Thread | undefined;
  const messages: { message: StoredMessage; lineNumber: number }[] = [];
  let lineNumber = 0;
  for await (const raw of lines) {
    lineNumber += 1;
    if (raw.trim() === "") continue;
    const line = parseLine(raw, lineNumber);
    if (line.type === "thread") {
      if (thread) throw malformed(lineNumber, "a second thread line");
      const { title, metadata } = line.thread;
      await atLine(lineNumber, async () => checkThreadInput({ title, metadata }));
      thread = line.thread;
      continue;
    }
    if (!thread) throw malformed(lineNumber, "a message before the thread line");
    const { message } = line;
    // Validated as exported (a streaming one before finalizing), then imported finished.
    await atLine(lineNumber, async () => checkMessageInput(message));
    messages.push({ message: asFinished(message), lineNumber });
  }
  if (!thread) throw new ThreadlineError("bad_request", "the import has no thread line");
  return { thread, messages };
}

/** Runs `step`; a `bad_request` it throws (a bad part, say) names the import line. */
async function atLine(lineNumber: number, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (!isThreadlineError(error, "bad_request")) throw error;
    throw new ThreadlineError("bad_request", `import line ${lineNumber}: ${error.message}`, {
      cause: error,
      details: { ...error.details, line: lineNumber },
    });
  }
}

function asFinished(message: StoredMessage): StoredMessage {
  if (message.status !== "streaming") return message;
  return { ...message, ...finalizeMessage(message, "aborted"), status: "aborted" };
}

function parseLine(raw: string, lineNumber: number): ThreadJsonlLine {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw malformed(lineNumber, `invalid JSON (${(error as Error).message})`);
  }
  const line = value as Partial<ThreadJsonlLine> | null;
  if (line?.type === "thread" && typeof line.thread?.id === "string")
    return line as ThreadJsonlLine;
  if (
    line?.type === "message" &&
    typeof line.message?.id === "string" &&
    Array.isArray(line.message.parts)
  ) {
    return line as ThreadJsonlLine;
  }
  throw malformed(lineNumber, 'expected {"type":"thread",…} or {"type":"message",…}');
}

function malformed(lineNumber: number, reason: string): ThreadlineError {
  return new ThreadlineError("bad_request", `import line ${lineNumber}: ${reason}`, {
    details: { line: lineNumber },
  });
}
