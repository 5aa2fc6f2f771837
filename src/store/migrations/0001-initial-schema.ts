import type { Kysely } from "kysely";

/**
 * Migration 1: the whole schema (SPEC §1, R26). Written once for both dialects: `text` ids and
 * JSON, `bigint` times (ms) and offsets. Forward-only: there is no `down` (R27).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("threads")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("title", "text")
    .addColumn("metadata", "text")
    .addColumn("forked_from_thread_id", "text")
    .addColumn("forked_from_seq", "bigint")
    .addColumn("head_seq", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("threads_pk", ["workspace_id", "id"])
    .execute();
  await db.schema
    .createIndex("threads_by_created")
    .on("threads")
    .columns(["workspace_id", "created_at", "id"])
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("revision", "bigint", (c) => c.notNull())
    .addColumn("created_seq", "bigint", (c) => c.notNull())
    .addColumn("error_text", "text")
    .addColumn("lease_owner", "text")
    .addColumn("lease_expires_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .addPrimaryKeyConstraint("messages_pk", ["workspace_id", "id"])
    .execute();
  await db.schema
    .createIndex("messages_by_thread")
    .on("messages")
    .columns(["workspace_id", "thread_id", "created_seq"])
    .execute();
  await db.schema
    .createIndex("messages_by_lease")
    .on("messages")
    .columns(["status", "lease_expires_at"])
    .execute();

  await db.schema
    .createTable("message_bodies")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("message_id", "text", (c) => c.notNull())
    .addColumn("parts", "text", (c) => c.notNull())
    .addColumn("metadata", "text")
    .addColumn("fold_state", "text")
    .addColumn("revision", "bigint", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("message_bodies_pk", ["workspace_id", "message_id"])
    .execute();

  await db.schema
    .createTable("events")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("message_id", "text")
    .addColumn("revision", "bigint")
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("events_pk", ["workspace_id", "thread_id", "seq"])
    .execute();

  await db.schema
    .createTable("inbound_claims")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("message_id", "text")
    .addColumn("claimed_at", "bigint", (c) => c.notNull())
    .addColumn("processed_at", "bigint")
    .addPrimaryKeyConstraint("inbound_claims_pk", ["workspace_id", "idempotency_key"])
    .execute();
  await db.schema
    .createIndex("inbound_claims_by_age")
    .on("inbound_claims")
    .columns(["status", "claimed_at"])
    .execute();

  await db.schema
    .createTable("run_triggers")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("thread_id", "text", (c) => c.notNull())
    .addColumn("trigger_id", "text", (c) => c.notNull())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("due_at", "bigint", (c) => c.notNull())
    .addColumn("options", "text")
    .addColumn("claim_owner", "text")
    .addColumn("claim_expires_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("fired_at", "bigint")
    .addPrimaryKeyConstraint("run_triggers_pk", ["workspace_id", "trigger_id"])
    .execute();
  await db.schema
    .createIndex("run_triggers_due")
    .on("run_triggers")
    .columns(["status", "due_at"])
    .execute();
  await db.schema
    .createIndex("run_triggers_by_thread")
    .on("run_triggers")
    .columns(["workspace_id", "thread_id", "status"])
    .execute();
}
