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
