import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * Extends every run-trigger claim `owner` holds while its deliveries are in progress (R23), so a
 * slow but live delivery is not taken over. Guarded by owner and `status = 'claimed'`: a claim that
 * already expired and was taken over belongs to another owner and is not touched.
 * @returns the number of claims extended.
 */
export async function renewRunClaims(
  db: Kysely<Database>,
  owner: string,
  expiresAt: number,
): Promise<number> {
  const result = await db
    .updateTable("run_triggers")
    .set({ claim_expires_at: expiresAt })
    .where("claim_owner", "=", owner)
    .where("status", "=", "claimed")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
