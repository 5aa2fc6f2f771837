import { ThreadlineError } from "../errors.js";
import { LIMIT_NAMES, type LimitName, type WorkspaceLimits } from "./workspace-limits.js";

const FIELD_OF = Object.fromEntries(
  Object.entries(LIMIT_NAMES).map(([field, name]) => [name, field]),
) as Record<LimitName, keyof WorkspaceLimits>;

/** Byte units of a `bytes=` value: decimal (`kb`, `mb`, `gb`) and binary (`kib`, `mib`, `gib`). */
const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/**
 * Parses a limits spec (R33; `threadline serve --default-workspace-limits`): comma-separated
 * `NAME=VALUE` pairs, NAME one of `streams`, `chunks` (per second), `bytes` (per second, with an
 * optional unit `kb`, `mb`, `gb` = 1000ⁿ or `kib`, `mib`, `gib` = 1024ⁿ) and `subscribers`; VALUE a
 * positive integer or `unlimited`. Spaces around parts are ignored; names and units ignore case.
 *
 * @throws ThreadlineError `bad_request` naming `flag`, the spec and the bad pair.
 * @example
 * ```ts
 * parseLimitsSpec("streams=20,chunks=2000,bytes=1mb", "--default-workspace-limits");
 * // { maxStreamingMessages: 20, chunksPerSecond: 2000, bytesPerSecond: 1000000 }
 * ```
 */
export function parseLimitsSpec(spec: string, flag: string): WorkspaceLimits {
  const limits: WorkspaceLimits = {};
  const pairs = spec.split(",").map((pair) => pair.trim());
  if (pairs.every((pair) => pair === "")) throw badSpec(flag, spec, "names no limit");
  for (const pair of pairs) {
    const match = /^([a-z]+)\s*=\s*(\S+)$/i.exec(pair);
    const name = match?.[1]?.toLowerCase() as LimitName | undefined;
    const field = name === undefined ? undefined : FIELD_OF[name];
    if (!match || !name || !field) {
      throw badSpec(
        flag,
        spec,
        `${JSON.stringify(pair)} is not NAME=VALUE with NAME one of ${Object.keys(FIELD_OF).join(", ")}`,
      );
    }
    if (limits[field] !== undefined) throw badSpec(flag, spec, `${name} is given twice`);
    limits[field] = parseValue(name, match[2] ?? "", flag, spec);
  }
  return limits;
}

/**
 * Parses per-workspace limits specs (R33; `threadline serve --workspace-limits`, repeatable):
 * each `WORKSPACE:LIMITS` ({@link parseLimitsSpec}; the workspace is everything before the first
 * `:`), several in one value separated by `;` (as `THREADLINE_WORKSPACE_LIMITS` holds them).
 *
 * @throws ThreadlineError `bad_request` naming `flag` and the spec: no `:`, an empty workspace, a
 *   workspace given twice, a bad limit.
 * @example
 * ```ts
 * parseWorkspaceLimitsSpecs(["acme:streams=20,chunks=2000;globex:subscribers=100"], "--workspace-limits");
 * // { acme: { maxStreamingMessages: 20, chunksPerSecond: 2000 }, globex: { maxSubscribers: 100 } }
 * ```
 */
export function parseWorkspaceLimitsSpecs(
  specs: readonly string[],
  flag: string,
): Record<string, WorkspaceLimits> {
  const byWorkspace: Record<string, WorkspaceLimits> = {};
  for (const spec of specs.flatMap((value) => value.split(";"))) {
    if (spec.trim() === "") continue;
    const colon = spec.indexOf(":");
    if (colon < 0) throw badSpec(flag, spec, "must have the form WORKSPACE:NAME=VALUE,…");
    const workspaceId = spec.slice(0, colon).trim();
    if (workspaceId === "") throw badSpec(flag, spec, "has an empty workspace");
    if (Object.hasOwn(byWorkspace, workspaceId)) {
      throw badSpec(flag, spec, `repeats workspace ${workspaceId}`);
    }
    byWorkspace[workspaceId] = parseLimitsSpec(spec.slice(colon + 1), flag);
  }
  return byWorkspace;
}

function parseValue(name: LimitName, text: string, flag: string, spec: string): number {
  if (text.toLowerCase() === "unlimited") return Number.POSITIVE_INFINITY;
  const match = /^(\d+)([a-z]*)$/i.exec(text);
  const unit =
    name === "bytes" ? BYTE_UNITS[match?.[2]?.toLowerCase() ?? ""] : match?.[2] ? undefined : 1;
  const value = unit === undefined || !match ? Number.NaN : Number(match[1]) * unit;
  if (!Number.isSafeInteger(value) || value <= 0) {
    const units = name === "bytes" ? " (units: kb, mb, gb, kib, mib, gib)" : "";
    throw badSpec(
      flag,
      spec,
      `${name} must be a positive integer${units} or "unlimited", got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

function badSpec(flag: string, spec: string, problem: string): ThreadlineError {
  return new ThreadlineError("bad_request", `${flag} ${JSON.stringify(spec)}: ${problem}`);
}
