import { isThreadlineError } from "../errors.js";

/**
 * The one line `threadline` prints for an error that ended a command: a Threadline error's code and
 * message; for a request that never reached its server (fetch's bare "fetch failed"), what the
 * network said (`connect ECONNREFUSED 127.0.0.1:4000`) so the user knows to start or fix `--server`;
 * for a file that cannot be read, what is wrong and the path (`no such file or directory: x.sse`).
 */
export function cliErrorMessage(error: unknown): string {
  if (isThreadlineError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof TypeError && error.message === "fetch failed") {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return `could not reach the server${cause ? ` (${cause})` : ""}: is it running, and is --server right?`;
  }
  const system = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof system.path === "string" && system.code !== undefined) {
    return `${FILE_ERRORS[system.code] ?? system.code}: ${system.path}`;
  }
  return String(error);
}

/** What a file-system error code means for a file named on the command line. */
const FILE_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "a directory, not a file",
  ENOTDIR: "not a directory",
};
