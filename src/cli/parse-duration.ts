import { InvalidArgumentError } from "commander";

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses a duration flag strictly: a positive whole number and one unit, `ms`, `s`, `m`, `h` or
 * `d` (`90d`, `12h`, `30m`, `500ms`), into milliseconds. Nothing else is accepted — no spaces,
 * fractions, signs or combined units — so a typo never purges with a surprising cutoff.
 *
 * @throws InvalidArgumentError (commander prints it naming `name`) for anything else.
 * @example
 * ```ts
 * parseDuration("--older-than")("90d"); // 7_776_000_000
 * ```
 */
export function parseDuration(name: string) {
  return (text: string): number => {
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(text);
    const amount = Number(match?.[1]);
    const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
    const ms = unit === undefined ? Number.NaN : amount * UNIT_MS[unit];
    if (!Number.isSafeInteger(ms) || ms <= 0) {
      throw new InvalidArgumentError(
        `${name} must be a positive duration like 90d, 12h, 30m, 45s or 500ms, got ${JSON.stringify(text)}`,
      );
    }
    return ms;
  };
}

/**
 * Parses a repeatable `WORKSPACE:AGE` flag (several may be joined by `;`) into ms by workspace id,
 * adding to what earlier occurrences gave (`previous`). `AGE` is a duration as
 * {@link parseDuration} takes it, or `never` (null: that workspace's threads are kept).
 *
 * @throws InvalidArgumentError naming `name` for a missing workspace or colon, a bad age, or a
 *   workspace given twice.
 * @example
 * ```ts
 * parseWorkspaceDurations("--workspace-thread-ttl")("acme:365d;audit:never", {});
 * // { acme: 31_536_000_000, audit: null }
 * ```
 */
export function parseWorkspaceDurations(name: string) {
  const age = parseDuration(name);
  return (text: string, previous: Record<string, number | null> = {}) => {
    const parsed = { ...previous };
    for (const spec of text.split(";")) {
      if (spec.trim() === "") continue;
      const colon = spec.indexOf(":");
      const workspaceId = colon < 0 ? "" : spec.slice(0, colon).trim();
      if (workspaceId === "") {
        throw new InvalidArgumentError(
          `${name} takes WORKSPACE:AGE, e.g. acme:365d or audit:never, got ${JSON.stringify(spec)}`,
        );
      }
      if (Object.hasOwn(parsed, workspaceId)) {
        throw new InvalidArgumentError(`${name} repeats workspace ${workspaceId}`);
      }
      const value = spec.slice(colon + 1).trim();
      parsed[workspaceId] = value === "never" ? null : age(value);
    }
    return parsed;
  };
}
