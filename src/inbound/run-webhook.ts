import { CONTENT_TYPES, HEADERS } from "../protocol/http.js";
import { isRunDeclineReason, RUN_DECLINE_STATUS, type RunRequest } from "../protocol/runs.js";
import type { RunDeliveryOutcome } from "./run-targets.js";

/**
 * Delivers a run to a webhook (R24): `POST url` with the {@link RunRequest} as JSON and
 * `Idempotency-Key: <triggerId>` (stable across retries and takeovers, so the receiver dedupes).
 *
 * - 2xx → `delivered`;
 * - 409 with JSON `{ "reason": "agent_offline" | "agent_archived" }` → `declined`;
 * - any other status, a network error or no answer within `timeoutMs` → `error` (retried).
 */
export async function postRunWebhook(
  url: string,
  run: RunRequest,
  timeoutMs: number,
): Promise<RunDeliveryOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        [HEADERS.contentType]: CONTENT_TYPES.json,
        [HEADERS.idempotencyKey]: run.triggerId,
      },
      body: JSON.stringify(run),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: "error", error };
  }
  const text = await response.text().catch(() => "");
  if (response.ok) return { kind: "delivered" };
  if (response.status === RUN_DECLINE_STATUS) {
    const reason = reasonOf(text);
    if (isRunDeclineReason(reason)) return { kind: "declined", reason };
  }
  return {
    kind: "error",
    error: new Error(`run webhook answered HTTP ${response.status}: ${text.slice(0, 200)}`),
  };
}

function reasonOf(text: string): unknown {
  try {
    return (JSON.parse(text) as { reason?: unknown } | null)?.reason;
  } catch {
    return undefined;
  }
}
