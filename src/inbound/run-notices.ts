import type { RunDeclineReason } from "../protocol/runs.js";
import type { CreateMessageInput } from "../store/store.js";

/** The text of the system notice for each decline reason (R24; seed 004's offline/archived card). */
export const RUN_NOTICE_TEXT: Readonly<Record<RunDeclineReason, string>> = {
  agent_offline:
    "The agent is offline, so no run was started for your message. It is saved; send it again once the agent is back online.",
  agent_archived:
    "The agent has been archived, so no run was started for your message. It is saved, but this agent will not answer it.",
};

/**
 * The system message appended when a run target declines a run (R24). Its metadata names the
 * reason and trigger: `{ threadline: { notice, triggerId } }`. A system message arms no trigger, so
 * a notice never loops back into another run.
 */
export function runNoticeMessage(
  threadId: string,
  id: string,
  reason: RunDeclineReason,
  triggerId: string,
): CreateMessageInput {
  return {
    threadId,
    id,
    role: "system",
    status: "completed",
    parts: [{ type: "text", text: RUN_NOTICE_TEXT[reason] }],
    metadata: { threadline: { notice: reason, triggerId } },
  };
}
