import { describe, expect, it } from "vitest";
import { apiKeysFromEnv, parseApiKeys } from "../../src/http/index.js";
import { API_KEYS_ENV, PATHS } from "../../src/protocol/http.js";
import { BACKENDS } from "../support/backends.js";
import { jsonRequest, openApp } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
async function body(response: Response): Promise<any> {
  return response.json();
}

describe("parseApiKeys (SPEC §3)", () => {
  it("maps each key to its workspace; the key may contain ':'", () => {
    const keys = parseApiKeys(["acme:sk-1", " globex : sk:2 "]);
    expect([...keys]).toEqual([
      ["sk-1", "acme"],
      ["sk:2", "globex"],
    ]);
  });

  for (const [spec, fragment] of [
    ["no-colon", "WORKSPACE:KEY"],
    [":sk-1", "empty workspace"],
    ["acme:", "empty key"],
    ["acme:sk 1", "spaces"],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)} without echoing the key`, () => {
      expect(() => parseApiKeys(["ok:fine", spec])).toThrow(/API key spec #2/);
      expect(() => parseApiKeys([spec])).toThrow(fragment);
      try {
        parseApiKeys([spec]);
      } catch (error) {
        expect((error as Error).message).not.toContain("sk-1");
      }
    });
  }

  it("refuses a key given twice", () => {
    expect(() => parseApiKeys(["a:k", "b:k"])).toThrow(/repeats the key/);
  });

  it(`reads ${API_KEYS_ENV} (comma separated, empty entries ignored)`, () => {
    const keys = apiKeysFromEnv({ [API_KEYS_ENV]: "acme:sk-1,, globex:sk-2 ," });
    expect(keys.get("sk-1")).toBe("acme");
    expect(keys.get("sk-2")).toBe("globex");
    expect(apiKeysFromEnv({}).size).toBe(0);
    expect(() => apiKeysFromEnv({ [API_KEYS_ENV]: "broken" })).toThrow(/WORKSPACE:KEY/);
  });
});

for (const backend of BACKENDS) {
  describe(`HTTP auth and workspaces [${backend.name}]`, () => {
    async function setup() {
      return openApp(backend, {
        app: { apiKeys: parseApiKeys(["acme:key-acme", "globex:key-globex"]) },
      });
    }
    const as = (key: string) => ({ authorization: `Bearer ${key}` });

    for (const [name, headers, fragment] of [
      ["no Authorization header", {}, "missing"],
      ["an unknown key", { authorization: "Bearer nope" }, "unknown API key"],
      ["another scheme", { authorization: "Basic a2V5LWFjbWU=" }, "malformed"],
      ["a bare key", { authorization: "key-acme" }, "malformed"],
    ] as const) {
      it(`SPEC §3: ${name} → 401 unauthorized with a Bearer challenge`, async () => {
        const { app } = await setup();
        for (const path of [PATHS.threads, PATHS.events("t"), PATHS.resumeStream("t")]) {
          const response = await app.request(path, { headers });
          expect(response.status).toBe(401);
          expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
          const { error } = await body(response);
          expect(error.code).toBe("unauthorized");
          expect(error.message).toContain(fragment);
        }
      });
    }

    it("SPEC §3: the scheme is case-insensitive", async () => {
      const { app } = await setup();
      const response = await app.request(PATHS.threads, {
        headers: { authorization: "bearer key-acme" },
      });
      expect(response.status).toBe(200);
    });

    it("SPEC §1: another workspace's thread and message ids → 404, never 403", async () => {
      const { app } = await setup();
      await app.request(PATHS.threads, jsonRequest("POST", { id: "t1" }, as("key-acme")));
      await app.request(
        PATHS.threadMessages("t1"),
        jsonRequest("POST", { id: "m1", role: "user", parts: [] }, as("key-acme")),
      );
      const globex = as("key-globex");
      const requests: Array<[string, RequestInit]> = [
        [PATHS.thread("t1"), { headers: globex }],
        [PATHS.threadMessages("t1"), { headers: globex }],
        [PATHS.threadMessages("t1"), jsonRequest("POST", { role: "user", parts: [] }, globex)],
        [PATHS.fork("t1"), jsonRequest("POST", {}, globex)],
        [PATHS.message("m1"), { headers: globex }],
        [PATHS.message("m1"), { method: "DELETE", headers: globex }],
        [PATHS.events("t1"), { headers: globex }],
        [PATHS.stop("t1"), jsonRequest("POST", {}, globex)],
        [PATHS.messageStream("t1"), { method: "POST", headers: globex, body: "data: {}\n\n" }],
        [PATHS.thread("t1"), { method: "DELETE", headers: globex }],
      ];
      for (const [path, init] of requests) {
        const response = await app.request(path, init);
        expect(response.status, `${init.method ?? "GET"} ${path}`).toBe(404);
        expect((await body(response)).error.code).toBe("not_found");
      }
      // Resume answers another workspace's thread as it answers a chat with no thread yet: 204.
      expect((await app.request(PATHS.resumeStream("t1"), { headers: globex })).status).toBe(204);
      const list = await body(await app.request(PATHS.threads, { headers: globex }));
      expect(list.threads).toEqual([]);
      // The owner still sees everything.
      const own = await app.request(PATHS.message("m1"), { headers: as("key-acme") });
      expect(own.status).toBe(200);
    });

    it("SPEC §1: the same thread id can exist in two workspaces", async () => {
      const { app } = await setup();
      for (const key of ["key-acme", "key-globex"]) {
        const response = await app.request(
          PATHS.threads,
          jsonRequest("POST", { id: "shared", title: key }, as(key)),
        );
        expect(response.status).toBe(201);
      }
      const acme = await body(
        await app.request(PATHS.thread("shared"), { headers: as("key-acme") }),
      );
      expect(acme.thread.title).toBe("key-acme");
    });

    it("SPEC §3: without keys every request is the default workspace (Authorization ignored)", async () => {
      const { app, threadline } = await openApp(backend);
      await threadline.threads.create({ id: "t1" });
      const response = await app.request(PATHS.thread("t1"), {
        headers: { authorization: "Bearer whatever" },
      });
      expect(response.status).toBe(200);
    });

    it("SPEC §3: /healthz and /metrics need no key", async () => {
      const { app } = await setup();
      expect((await app.request(PATHS.healthz)).status).toBe(200);
      expect((await app.request(PATHS.metrics)).status).toBe(200);
    });
  });
}
