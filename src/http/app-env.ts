import type { ErrorCode } from "../protocol/error-codes.js";
import type { ThreadlineWorkspace } from "../workspace.js";

/**
 * Hono environment of the Threadline app: the authenticated workspace is put on the context by
 * the auth middleware (SPEC §3 "`Authorization: Bearer <key>` selects the workspace"), and every
 * `/v1` route reads and writes through it, so another workspace's ids answer 404 (SPEC §1).
 */
export interface AppEnv {
  Variables: {
    /** The workspace the request's API key maps to (the default workspace without keys). */
    workspace: ThreadlineWorkspace;
    /** The code of the error the request was answered with, set by `errorResponse` (request log). */
    errorCode?: ErrorCode;
  };
}
