import { ThreadlineError } from "../errors.js";

/**
 * One workspace's limits (R33). A field left out (or `Infinity`) is unlimited. Every limit holds
 * per process (node): with several nodes behind a load balancer a workspace gets up to that many
 * times each.
 */
export interface WorkspaceLimits {
  /**
   * Streaming messages open at once (`writers.open`, `chat.respond`, the upload route); past it a
   * new one is refused `rate_limited` (429). A slot frees when its message ends (finish, error,
   * abort, stop, shutdown) or is finalized elsewhere or deleted.
   */
  maxStreamingMessages?: number;
  /**
   * Chunks per second over all the workspace's streams (burst: one second's worth). Past it each
   * `MessageWriter.write` waits its turn, first come first served, so every stream of the workspace
   * slows alike and none is cut off; a complete message (`messages.append`) is refused with 429.
   */
  chunksPerSecond?: number;
  /** Bytes per second of chunks (their JSON size) and complete messages, as `chunksPerSecond`. */
  bytesPerSecond?: number;
  /**
   * Live subscriptions at once (`subscribe`, `GET …/events`, `GET …/stream`); past it a new one is
   * refused `rate_limited` (429) before anything is sent. A slot frees when its subscription ends.
   */
  maxSubscribers?: number;
}

/** Option `workspaceLimits` of `createThreadline` (R33). */
export interface WorkspaceLimitsOptions {
  /** Limits of every workspace not named in `byWorkspace` (default: none, unlimited). */
  default?: WorkspaceLimits;
  /**
   * Limits of named workspaces, field by field over `default`: a field given here replaces the
   * default's, `Infinity` lifts it, a field left out keeps the default's.
   */
  byWorkspace?: Record<string, WorkspaceLimits>;
}

/** The short name of each limit: CLI spec keys, `details.limit` of a 429, metric labels. */
export const LIMIT_NAMES = {
  maxStreamingMessages: "streams",
  chunksPerSecond: "chunks",
  bytesPerSecond: "bytes",
  maxSubscribers: "subscribers",
} as const satisfies Record<keyof WorkspaceLimits, string>;

/** The short name of a limit (see {@link LIMIT_NAMES}). */
export type LimitName = (typeof LIMIT_NAMES)[keyof WorkspaceLimits];

/** Validated limits: every field unlimited (`Infinity`) or a positive integer. */
export type ResolvedLimits = Readonly<Required<WorkspaceLimits>>;

const UNLIMITED: ResolvedLimits = {
  maxStreamingMessages: Number.POSITIVE_INFINITY,
  chunksPerSecond: Number.POSITIVE_INFINITY,
  bytesPerSecond: Number.POSITIVE_INFINITY,
  maxSubscribers: Number.POSITIVE_INFINITY,
};

/** {@link WorkspaceLimitsOptions}, validated, with each workspace's limits looked up by id. */
export interface ResolvedWorkspaceLimits {
  /** The limits of `workspaceId`: its own fields over the defaults. */
  of(workspaceId: string): ResolvedLimits;
  /** True when no workspace has any limit (nothing to count or wait for). */
  readonly none: boolean;
}

/**
 * Validates option `workspaceLimits` (R33) and resolves each workspace's limits. Nothing given
 * means unlimited, so existing users see no change.
 *
 * @throws ThreadlineError `bad_request` naming the field (`workspaceLimits.byWorkspace.acme.chunksPerSecond
 *   must be a positive integer or Infinity, got 0`): an unknown field, a value that is not a
 *   positive integer or `Infinity`, an empty workspace id.
 * @example
 * ```ts
 * const limits = resolveWorkspaceLimits({ default: { maxStreamingMessages: 20 } });
 * limits.of("acme").maxStreamingMessages; // 20
 * ```
 */
export function resolveWorkspaceLimits(
  options: WorkspaceLimitsOptions | undefined,
): ResolvedWorkspaceLimits {
  if (options === undefined) return { of: () => UNLIMITED, none: true };
  checkObject("workspaceLimits", options);
  for (const key of Object.keys(options)) {
    if (key !== "default" && key !== "byWorkspace") {
      throw badField(`workspaceLimits.${key}`, "is not an option (default, byWorkspace)");
    }
  }
  const defaults = { ...UNLIMITED, ...checkLimits("workspaceLimits.default", options.default) };
  const named = new Map<string, ResolvedLimits>();
  if (options.byWorkspace !== undefined) {
    checkObject("workspaceLimits.byWorkspace", options.byWorkspace);
    for (const [workspaceId, limits] of Object.entries(options.byWorkspace)) {
      if (workspaceId === "") throw badField("workspaceLimits.byWorkspace", "has an empty id");
      const own = checkLimits(`workspaceLimits.byWorkspace.${workspaceId}`, limits);
      named.set(workspaceId, { ...defaults, ...own });
    }
  }
  const none = [defaults, ...named.values()].every((limits) =>
    Object.values(limits).every((value) => value === Number.POSITIVE_INFINITY),
  );
  return { of: (workspaceId) => named.get(workspaceId) ?? defaults, none };
}

/** Checks one {@link WorkspaceLimits} object; returns its given fields. */
function checkLimits(path: string, limits: WorkspaceLimits | undefined): WorkspaceLimits {
  if (limits === undefined) return {};
  checkObject(path, limits);
  const checked: WorkspaceLimits = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in LIMIT_NAMES)) {
      throw badField(`${path}.${key}`, `is not a limit (${Object.keys(LIMIT_NAMES).join(", ")})`);
    }
    if (value === undefined) continue;
    const valid =
      value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && Number(value) > 0);
    if (!valid) {
      throw badField(
        `${path}.${key}`,
        `must be a positive integer or Infinity, got ${shown(value)}`,
      );
    }
    checked[key as keyof WorkspaceLimits] = value;
  }
  return checked;
}

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function checkObject(path: string, value: unknown): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badField(path, "must be an object");
  }
}

function badField(path: string, problem: string): ThreadlineError {
  return new ThreadlineError("bad_request", `${path} ${problem}`);
}
