/**
 * README "Inbound messages and runs": a burst of user messages → one durable, debounced run,
 * delivered to a callback (R21–R24).
 */
import { createThreadline, type RunRequest } from "threadline";

export async function inboundRuns(
  database: string,
  agentQueue: { enqueue(id: string, run: RunRequest): Promise<void> },
) {
  const threadline = await createThreadline({
    database,
    runDebounceMs: 3_000, // a thread's run fires 3 s after its last user message
    onRun: async (run) => {
      // { workspaceId, threadId, triggerId, messages, forceFresh, options, attempt }
      await agentQueue.enqueue(run.triggerId, run); // dedupe by triggerId: delivery is at least once
    },
    // or runWebhook: "https://agent.example/runs" — POSTed as JSON with Idempotency-Key: <triggerId>
  });
  const thread = await threadline.threads.create({ title: "Support" });
  const userMessage = { role: "user" as const, parts: [{ type: "text" as const, text: "Hi" }] };

  await threadline.messages.append(thread.id, userMessage, {
    idempotencyKey: "lark-msg-42", // stored once; a repeat returns the original message
    run: { forceFresh: true, model: "fast" }, // options of the run this message (re)arms
  });
  return { threadline, thread };
}
