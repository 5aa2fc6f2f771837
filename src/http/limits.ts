import { ThreadlineError } from "../errors.js";

/** Size limits of request bodies (SPEC §3: 413 `too_large`). */
export interface HttpLimits {
  /** Largest request body in bytes, streamed uploads included (default 1 MiB). */
  maxBodyBytes: number;
  /** Largest single UI message stream chunk of an upload in bytes (default 256 KiB). */
  maxChunkBytes: number;
}

/** The default {@link HttpLimits}. */
export const DEFAULT_LIMITS: Readonly<HttpLimits> = {
  maxBodyBytes: 1024 * 1024,
  maxChunkBytes: 256 * 1024,
};

/**
 * Fills in defaults and checks the limits (SPEC §3 413 `too_large`).
 * @throws ThreadlineError `bad_request` when a limit is not a positive integer.
 */
export function resolveLimits(limits: Partial<HttpLimits> = {}): HttpLimits {
  const resolved = { ...DEFAULT_LIMITS, ...stripUndefined(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ThreadlineError("bad_request", `limits.${name} must be a positive integer`);
    }
  }
  return resolved;
}

/** The 413 `too_large` of a body over `maxBodyBytes` (SPEC §3). */
export function bodyTooLarge(maxBodyBytes: number): ThreadlineError {
  return new ThreadlineError("too_large", `the request body exceeds ${maxBodyBytes} bytes`, {
    details: { limitBytes: maxBodyBytes },
  });
}

/** The 413 `too_large` of one upload chunk over `maxChunkBytes` (SPEC §3), naming it as R2 does. */
export function chunkTooLarge(chunkIndex: number, maxChunkBytes: number): ThreadlineError {
  return new ThreadlineError(
    "too_large",
    `chunk ${chunkIndex} exceeds the chunk size limit of ${maxChunkBytes} bytes`,
    { details: { chunkIndex, limitBytes: maxChunkBytes } },
  );
}

function stripUndefined(limits: Partial<HttpLimits>): Partial<HttpLimits> {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
