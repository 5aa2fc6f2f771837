import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The package as a user gets it: `dist/` built by `tsc -p tsconfig.build.json` (what `prepare`
 * runs) into `<tmp>/node_modules/threadline`, imported by name from `<tmp>`, outside the repo.
 * The build skips type checking (`--noCheck`, ~8 s instead of ~15 s): `npm run typecheck` does that.
 */

const run = promisify(execFile);
const REPO = resolve(".");
const TSC = join(REPO, "node_modules/typescript/bin/tsc");

/** Each entry point and names a user imports from it (a missing export fails the test). */
const ENTRY_POINTS: Record<string, string[]> = {
  threadline: ["createThreadline", "ThreadlineError", "openStore", "foldChunk", "ManualClock"],
  "threadline/client": ["createClient", "ThreadlineError", "subscribeEvents", "createThreadView"],
  "threadline/http": [
    "createApp",
    "errorHandler",
    "notFoundHandler",
    "authenticate",
    "parseApiKeys",
    "threadRoutes",
    "messageRoutes",
    "streamUploadRoutes",
    "eventRoutes",
    "resumeRoutes",
    "healthRoutes",
    "metricsRoutes",
  ],
};

/** Classes users only receive (their constructors take internal types): exported as types only. */
const TYPE_ONLY = ["Threadline", "MessageWriter", "Subscription", "Broker", "LeaseSweeper"];

/** Optional peers, used only by the `replay` and `demo` commands. */
const PROVIDER_PACKAGES = [
  "@ai-sdk/anthropic",
  "@ai-sdk/cohere",
  "@ai-sdk/deepseek",
  "@ai-sdk/google",
  "@ai-sdk/groq",
  "@ai-sdk/mistral",
  "@ai-sdk/openai",
  "@ai-sdk/openai-compatible",
  "@ai-sdk/xai",
];

interface PackageJson {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

let consumer: string;
let packageDir: string;
let manifest: PackageJson;

beforeAll(async () => {
  consumer = await mkdtemp(join(tmpdir(), "threadline-package-"));
  packageDir = join(consumer, "node_modules/threadline");
  await mkdir(packageDir, { recursive: true });
  await cp(join(REPO, "package.json"), join(packageDir, "package.json"));
  await symlink(join(REPO, "node_modules"), join(packageDir, "node_modules"), "dir");
  await writeFile(join(consumer, "package.json"), JSON.stringify({ type: "module" }));
  manifest = JSON.parse(await readFile(join(REPO, "package.json"), "utf8"));
  await run(process.execPath, [
    TSC,
    ...["-p", "tsconfig.build.json", "--outDir", join(packageDir, "dist")],
    ...["--noCheck", "--sourceMap", "false"],
  ]);
}, 120_000);

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

/** Runs an ES module script with the consumer directory as its home; resolves its stdout. */
async function node(script: string, args: string[] = []): Promise<string> {
  const file = join(consumer, `script-${Math.random().toString(36).slice(2)}.mjs`);
  await writeFile(file, script);
  const { stdout } = await run(process.execPath, [...args, file], { cwd: consumer });
  return stdout;
}

describe("the package's exports", () => {
  it("offers threadline, threadline/client and threadline/http, each mapped to built files", async () => {
    const subpaths = Object.keys(ENTRY_POINTS).map((name) => `.${name.slice("threadline".length)}`);
    expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(subpaths));
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const files = typeof target === "string" ? [target] : Object.values(target);
      for (const file of files) {
        await expect(stat(join(packageDir, file)), `${subpath} → ${file}`).resolves.toBeTruthy();
      }
    }
  });

  it("each entry point imports by package name and offers its API, without internal classes", async () => {
    const specifiers = Object.keys(ENTRY_POINTS);
    const stdout = await node(
      `const names = {};
       for (const specifier of ${JSON.stringify(specifiers)}) names[specifier] = Object.keys(await import(specifier));
       console.log(JSON.stringify(names));`,
    );
    const names: Record<string, string[]> = JSON.parse(stdout);
    for (const [specifier, expected] of Object.entries(ENTRY_POINTS)) {
      expect(names[specifier], specifier).toEqual(expect.arrayContaining(expected));
      for (const internal of TYPE_ONLY) expect(names[specifier], specifier).not.toContain(internal);
    }
  });

  it("each entry point's types resolve by package name", async () => {
    await writeFile(
      join(consumer, "consumer.ts"),
      `import { createThreadline, type MessageWriter, type Subscription, type Threadline } from "threadline";
       import { createClient, type ThreadlineClient } from "threadline/client";
       import { type AppDeps, createApp, errorHandler, threadRoutes, type ThreadlineApp } from "threadline/http";
       export const create: (deps: AppDeps) => ThreadlineApp = createApp;
       export const parts = [createThreadline, createClient, errorHandler, threadRoutes] as const;
       export type Handles = [Threadline, MessageWriter, Subscription, ThreadlineClient];`,
    );
    await writeFile(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "NodeNext",
          moduleResolution: "NodeNext",
          target: "ES2022",
          lib: ["ES2023", "DOM"],
          strict: true,
          verbatimModuleSyntax: true,
          skipLibCheck: true,
          noEmit: true,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    );
    await expect(run(process.execPath, [TSC, "-p", consumer])).resolves.toBeTruthy();
  }, 60_000);

  it("the library, the HTTP app and the CLI never load an AI SDK provider package", async () => {
    const guard = join(consumer, "provider-guard.mjs");
    await writeFile(
      guard,
      `const PROVIDERS = new Set(${JSON.stringify(PROVIDER_PACKAGES)});
       export async function resolve(specifier, context, next) {
         if (PROVIDERS.has(specifier)) throw new Error("loaded provider package " + specifier);
         return next(specifier, context);
       }`,
    );
    const register = join(consumer, "register-guard.mjs");
    await writeFile(
      register,
      `import { register } from "node:module";
       register(${JSON.stringify(pathToFileURL(guard).href)});`,
    );
    const guarded = ["--import", pathToFileURL(register).href];
    await node(
      `for (const specifier of ${JSON.stringify(Object.keys(ENTRY_POINTS))}) await import(specifier);
       process.argv = [process.argv[0], "threadline", "serve", "--help"];
       await import(${JSON.stringify(pathToFileURL(join(packageDir, "dist/cli/main.js")).href)});`,
      guarded,
    );
    // The guard works: replaying through a provider model does load its package.
    const adapters = pathToFileURL(join(packageDir, "dist/replay/provider-adapters.js")).href;
    await expect(
      node(
        `const { PROVIDER_ADAPTERS } = await import(${JSON.stringify(adapters)});
         const openai = PROVIDER_ADAPTERS.find((a) => a.id === "openai.chat");
         await openai.createModel({ fetch, modelId: "m", providerName: "openai", generateId: () => "x" });`,
        guarded,
      ),
    ).rejects.toThrow("loaded provider package @ai-sdk/openai");
  });

  it("library users do not install the AI SDK provider packages: optional peers only", () => {
    for (const name of PROVIDER_PACKAGES) {
      expect(manifest.dependencies, name).not.toHaveProperty(name);
      expect(manifest.peerDependencies, name).toHaveProperty(name);
      expect(manifest.peerDependenciesMeta?.[name]?.optional, name).toBe(true);
    }
  });
});
