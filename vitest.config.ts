import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * Test files that measure timing or load the machine (process kills under load, several nodes, a
 * PostgreSQL restart, floods, storage growth, the real browser): they run one after another in one
 * process, after the rest, with nothing beside them. The rest mostly wait on timers, processes and
 * PostgreSQL, so they run two files at a time even on 2 cores (the bad-request fuzz among them: it
 * sends what it can before its deadline and asserts no timing).
 */
const ALONE = [
  "test/faults/kill-under-load.test.ts",
  "test/faults/sigterm-under-load.test.ts",
  "test/faults/three-nodes.test.ts",
  "test/faults/postgres-restart.test.ts",
  "test/fairness/flood.test.ts",
  "test/lifecycle/compaction-storage.test.ts",
  "test/http/inspector.test.ts",
  "test/examples/ai-sdk-chat.test.ts",
];

/**
 * The test configuration: `npm test` uses it as it is; `.ci/vitest.other-node.config.ts` adds the
 * files the Node 22/24 runs leave out. `exclude` applies to both projects (vitest's `--exclude`
 * does not reach a project that sets its own).
 */
export function threadlineTestConfig(options: { exclude?: string[] } = {}) {
  const exclude = options.exclude ?? [];
  return defineConfig({
    resolve: {
      // Examples import the library by its package name, like a user; tests run it from source.
      alias: [
        {
          find: /^threadline$/,
          replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
        },
        {
          find: /^threadline\/(client|http)$/,
          replacement: fileURLToPath(new URL("./src/$1/index.ts", import.meta.url)),
        },
      ],
    },
    test: {
      globalSetup: ["test/support/global-setup.ts"],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      pool: "forks",
      maxWorkers: Math.max(2, availableParallelism() - 1),
      projects: [
        {
          extends: true,
          test: {
            name: "parallel",
            include: ["test/**/*.test.ts"],
            exclude: [...ALONE, ...exclude],
            sequence: { groupOrder: 0 },
          },
        },
        {
          extends: true,
          test: {
            name: "alone",
            include: ALONE,
            exclude,
            poolOptions: { forks: { singleFork: true } },
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  });
}

export default threadlineTestConfig();
