import type { Migration } from "kysely";
import * as initialSchema from "./0001-initial-schema.js";
import * as inboundRuns from "./0002-inbound-runs.js";
import * as nodeHeartbeats from "./0003-node-heartbeats.js";
import * as compactionRetention from "./0004-compaction-retention.js";
import * as deflatedPayloads from "./0005-deflated-payloads.js";
import * as threadsFillfactor from "./0006-threads-fillfactor.js";
import * as sqliteRecentEvents from "./0007-sqlite-recent-events.js";
import * as sqliteMessageEpoch from "./0008-sqlite-message-epoch.js";

/**
 * Every migration this code knows, keyed by a name that sorts in application order (R27). Add new
 * ones at the end; never edit or remove an applied one.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  "0001-initial-schema": initialSchema,
  "0002-inbound-runs": inboundRuns,
  "0003-node-heartbeats": nodeHeartbeats,
  "0004-compaction-retention": compactionRetention,
  "0005-deflated-payloads": deflatedPayloads,
  "0006-threads-fillfactor": threadsFillfactor,
  "0007-sqlite-recent-events": sqliteRecentEvents,
  "0008-sqlite-message-epoch": sqliteMessageEpoch,
};
