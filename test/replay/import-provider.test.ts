import { describe, expect, it } from "vitest";
import { importProvider } from "../../src/replay/provider-adapters.js";

describe("importProvider (provider packages are optional peers)", () => {
  it("a missing provider package is a bad_request naming the package to install", async () => {
    const name = "@ai-sdk/not-installed";
    await expect(importProvider(name, () => import(name))).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringContaining(`npm install ${name}`),
      details: { packageName: name },
    });
  });

  it("other import failures pass through unchanged", async () => {
    const failure = Object.assign(new Error("Cannot find module './x.js'"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    await expect(importProvider("@ai-sdk/openai", () => Promise.reject(failure))).rejects.toBe(
      failure,
    );
  });

  it("an installed provider package loads", async () => {
    const { createOpenAI } = await importProvider("@ai-sdk/openai", () => import("@ai-sdk/openai"));
    expect(typeof createOpenAI).toBe("function");
  });
});
