import { ERROR_STATUS, type ErrorCode } from "./protocol/error-codes.js";

/**
 * The one error type Threadline throws (STYLE habit 8).
 *
 * `code` is a stable machine-readable string from {@link ERROR_STATUS}; `status` is the HTTP status
 * the server answers with; `details` carries structured context such as the index of a rejected
 * chunk (R2).
 *
 * @example
 * ```ts
 * try {
 *   await threadline.threads.get("missing");
 * } catch (error) {
 *   if (error instanceof ThreadlineError && error.code === "not_found") console.log("gone");
 * }
 * ```
 */
export class ThreadlineError extends Error {
  override readonly name = "ThreadlineError";
  /** HTTP status for this error's code (SPEC §3). */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, { cause: options.cause });
    this.status = ERROR_STATUS[code];
    this.details = options.details;
  }

  /** Structured context (for example `{ chunkIndex: 3 }` for a rejected chunk). */
  readonly details: Record<string, unknown> | undefined;

  /** The wire form `{ error: { code, message } }` used by every HTTP error answer (SPEC §3). */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

/** True when `error` is a {@link ThreadlineError}, optionally with the given code. */
export function isThreadlineError(error: unknown, code?: ErrorCode): error is ThreadlineError {
  return error instanceof ThreadlineError && (code === undefined || error.code === code);
}
