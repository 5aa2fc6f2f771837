import { threadlineTestConfig } from "../vitest.config.js";

/**
 * The Node 22/24 runs of `.ci/other-node.sh`: the whole suite but the process-level fault suites
 * (test/faults, the run triggers' kill, SIGTERM and two-node tests), the browser tests and the
 * real-clock load and storage measurements, which depend on the machine, not on the Node version.
 */
export default threadlineTestConfig({
  exclude: [
    "test/faults/**",
    "test/inbound/processes.test.ts",
    "test/examples/ai-sdk-chat.test.ts",
    "test/http/inspector.test.ts",
    "test/fairness/flood.test.ts",
    "test/lifecycle/compaction-storage.test.ts",
  ],
});
