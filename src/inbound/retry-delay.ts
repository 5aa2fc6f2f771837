/**
 * The delay before retry number `failedAttempts` of a run delivery (R24): `initialMs` after the
 * first failure, doubling after each further one, at most `maxMs` (default 1 s, 2 s, 4 s … 60 s).
 *
 * @example
 * ```ts
 * retryDelayMs(3, 1_000, 60_000); // 4_000
 * ```
 */
export function retryDelayMs(failedAttempts: number, initialMs: number, maxMs: number): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(maxMs, initialMs * 2 ** Math.min(exponent, 30));
}
