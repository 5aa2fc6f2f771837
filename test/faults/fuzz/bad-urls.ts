/**
 * Bad paths, query parameters and headers of the fuzz test (R30, SPEC §1, §3): NUL characters
 * where ids enter, offsets, cursors and limits that are not what they must be, routes that do not
 * exist, other workspaces' ids and bad credentials.
 */
import fc from "fast-check";
import { PATHS } from "../../../src/protocol/http.js";
import {
  auth,
  type CaseBuilder,
  type FuzzCase,
  get,
  type LaneContext,
  OWN,
  post,
  startChunk,
  upload,
  WORKSPACES,
  withNul,
} from "./case.js";

/** A NUL character in one of fourteen places an id, title, parameter or text enters (400). */
function nulCase(lane: LaneContext, where: number, at: number): FuzzCase {
  const kind = "NUL";
  const id = withNul(lane.threadId, at);
  switch (where) {
    case 0:
      return get(PATHS.thread(id), kind, [400]);
    case 1:
      return {
        kind,
        request: { method: "DELETE", path: PATHS.thread(id), headers: OWN },
        expected: [400],
      };
    case 2:
      return get(PATHS.threadMessages(id), kind, [400]);
    case 3:
      return get(PATHS.events(id), kind, [400]);
    case 4:
      return get(PATHS.message(withNul(lane.ownMessageId, at)), kind, [400]);
    case 5:
      return get(
        `${PATHS.threads}?cursor=${encodeURIComponent(withNul("MTIzOng", at))}`,
        kind,
        [400],
      );
    case 6:
      return get(
        `${PATHS.events(lane.threadId)}?after=${encodeURIComponent(withNul("1", at))}`,
        kind,
        [400],
      );
    case 7:
      return get(`${PATHS.threads}?${encodeURIComponent(withNul("limit", at))}=5`, kind, [400]);
    case 8:
      return post(PATHS.threads, JSON.stringify({ id: withNul(lane.freshId(), at) }), kind, [400]);
    case 9:
      return post(PATHS.threads, JSON.stringify({ title: withNul("title", at) }), kind, [400]);
    case 10:
      return post(
        PATHS.threads,
        JSON.stringify({ metadata: { [withNul("key", at)]: 1 } }),
        kind,
        [400],
      );
    case 11: {
      const parts = [{ type: "text", text: withNul("hello", at) }];
      return post(
        PATHS.threadMessages(lane.threadId),
        JSON.stringify({ role: "user", parts }),
        kind,
        [400],
      );
    }
    case 12: {
      const start = JSON.stringify({ type: "start", messageId: withNul(lane.freshId(), at) });
      return upload(lane, [start], "ndjson", kind, [400]);
    }
    default: {
      const delta = JSON.stringify({ type: "text-delta", id: "t", delta: withNul("token", at) });
      return upload(
        lane,
        [startChunk(lane), '{"type":"text-start","id":"t"}', delta],
        "sse",
        kind,
        [400],
      );
    }
  }
}

/** An unpaired surrogate where a JSON body sets an id or a title, stored in a text column (400). */
function loneSurrogateCase(lane: LaneContext, where: number, text: string): FuzzCase {
  const kind = "unpaired surrogate";
  const hello = [{ type: "text", text: "hi" }];
  switch (where) {
    case 0:
      return post(PATHS.threads, JSON.stringify({ id: `${lane.freshId()}${text}` }), kind, [400]);
    case 1:
      return post(PATHS.threads, JSON.stringify({ title: text }), kind, [400]);
    case 2:
      return post(PATHS.fork(lane.threadId), JSON.stringify({ title: text }), kind, [400]);
    case 3: {
      const body = JSON.stringify({ id: `${lane.freshId()}${text}`, role: "user", parts: hello });
      return post(PATHS.threadMessages(lane.threadId), body, kind, [400]);
    }
    default: {
      const start = JSON.stringify({ type: "start", messageId: `${lane.freshId()}${text}` });
      return upload(lane, [start, '{"type":"finish"}'], "sse", kind, [400]);
    }
  }
}

/** Unpaired surrogates in ids and titles (R30: 400, not stored altered). */
export const loneSurrogates: fc.Arbitrary<CaseBuilder> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.constantFrom("\ud800", "x\udfffy", "\udc00\ud800"))
  .map(
    ([where, text]) =>
      (lane) =>
        loneSurrogateCase(lane, where, text),
  );

/** NUL characters in ids, titles, paths, query parameters, bodies and chunks (R30: 400). */
export const nulCharacters: fc.Arbitrary<CaseBuilder> = fc
  .tuple(fc.integer({ min: 0, max: 13 }), fc.nat())
  .map(
    ([where, at]) =>
      (lane) =>
        nulCase(lane, where, at),
  );

const badOffset = fc.oneof(
  fc.constantFrom(
    "-1",
    "abc",
    "1.5",
    "1e3",
    "",
    " ",
    "0x10",
    "٣",
    "99999999",
    "9007199254740993",
    "+1",
  ),
  // Anything but a small integer (a valid offset would open a live stream).
  fc.string({ maxLength: 12 }).filter((text) => !/^\s*\d{1,7}\s*$/.test(text)),
);

/** Offsets, limits and cursors that are not what they must be (400). */
export const badOffsets: fc.Arbitrary<CaseBuilder> = fc.oneof(
  fc.tuple(badOffset, fc.boolean()).map(([offset, header]) => (lane: LaneContext): FuzzCase => {
    // Node sends only printable ASCII here as a header; anything else goes in the query.
    if (header && /^[\x20-\x7e]*$/.test(offset)) {
      const headers = { ...OWN, "last-event-id": offset };
      return {
        kind: "bad offset",
        request: { method: "GET", path: PATHS.events(lane.threadId), headers },
        expected: [400],
      };
    }
    return get(
      `${PATHS.events(lane.threadId)}?after=${encodeURIComponent(offset)}`,
      "bad offset",
      [400],
    );
  }),
  fc
    .constantFrom("0", "201", "-1", "abc", "1.5", "", "1e2")
    .map(
      (limit) => () =>
        get(`${PATHS.threads}?limit=${encodeURIComponent(limit)}`, "bad offset", [400]),
    ),
  fc
    .constantFrom("abc", "1e400:x", "-:x", ":x", "9999999999999999999:x", "x".repeat(1_001))
    .map((decoded) => () => {
      const cursor = Buffer.from(decoded).toString("base64url");
      return get(`${PATHS.threads}?cursor=${cursor}`, "bad offset", [400]);
    }),
  // A random cursor may decode to a valid one: any answer but a 5xx.
  fc
    .string({ minLength: 1, maxLength: 40 })
    .map(
      (cursor) => () =>
        get(`${PATHS.threads}?cursor=${encodeURIComponent(cursor)}`, "random cursor"),
    ),
);

const ROUTE_SEGMENTS: Record<string, readonly string[]> = {
  "/": ["healthz", "metrics"],
  "/v1/": ["threads"],
  "/v1/threads/t/": ["fork", "messages", "events", "stream", "stop"],
};

/** Paths no route serves, methods a route does not take, malformed percent-escapes (404/400). */
export const unknownRoutes: fc.Arbitrary<CaseBuilder> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("/v1/", "/v2/", "/", "/v1/threads/t/", "/v1/messages/m/", "/healthz/"),
      fc.stringMatching(/^[a-z0-9._~-]{1,12}$/),
    )
    .filter(
      ([prefix, segment]) => !/^\.+$/.test(segment) && !ROUTE_SEGMENTS[prefix]?.includes(segment),
    )
    .map(
      ([prefix, segment]) =>
        () =>
          get(`${prefix}${segment}`, "unknown route", [404]),
    ),
  fc
    .constantFrom<[string, (lane: LaneContext) => string]>(
      ["PUT", () => PATHS.threads],
      ["PATCH", (lane) => PATHS.thread(lane.threadId)],
      ["DELETE", () => PATHS.threads],
      ["POST", (lane) => PATHS.message(lane.ownMessageId)],
      ["PUT", () => PATHS.healthz],
      ["DELETE", (lane) => PATHS.events(lane.threadId)],
      ["POST", (lane) => PATHS.thread(lane.threadId)],
    )
    .map(
      ([method, path]) =>
        (lane: LaneContext): FuzzCase => ({
          kind: "unknown route",
          request: { method, path: path(lane), headers: OWN },
          expected: [404],
        }),
    ),
  fc
    .tuple(
      fc.constantFrom("%E0%A4%A", "%ZZ", "%", "%C0%AF", "%ED%A0%80", "%FF"),
      fc.constantFrom("/v1/threads/", "/v1/messages/", "/v1/threads/x"),
    )
    .map(
      ([percent, prefix]) =>
        () =>
          get(`${prefix}${percent}`, "malformed escape", [400, 404]),
    ),
);

/** One route called with another workspace's ids (404), or reusing its message id (no 5xx). */
function otherWorkspaceCase(lane: LaneContext, where: number, reverse: boolean): FuzzCase {
  const kind = "other workspace";
  const headers = reverse ? auth(WORKSPACES.other.key) : OWN;
  const thread = reverse ? lane.threadId : lane.otherThreadId;
  const message = reverse ? lane.ownMessageId : lane.otherMessageId;
  const call = (method: string, path: string, body?: string): FuzzCase => ({
    kind,
    request: {
      method,
      path,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      ...(body === undefined ? {} : { body }),
    },
    expected: [404],
  });
  const hello = JSON.stringify({ role: "user", parts: [{ type: "text", text: "hi" }] });
  switch (where) {
    case 0:
      return call("GET", PATHS.thread(thread));
    case 1:
      return call("DELETE", PATHS.thread(thread));
    case 2:
      return call("POST", PATHS.fork(thread), "{}");
    case 3:
      return call("GET", PATHS.threadMessages(thread));
    case 4:
      return call("POST", PATHS.threadMessages(thread), hello);
    case 5:
      return call("GET", PATHS.events(thread));
    case 6:
      // AI SDK resume: 204 "nothing to resume" for any thread not found, a new chat's included.
      return { ...call("GET", PATHS.resumeStream(thread)), expected: [204] };
    case 7:
      return call("POST", PATHS.stop(thread), "{}");
    case 8:
      return call("GET", PATHS.message(message));
    case 9:
      return call("DELETE", PATHS.message(message));
    case 10: {
      const built = upload(lane, [startChunk(lane), '{"type":"finish"}'], "ndjson", kind, [404]);
      const request = {
        ...built.request,
        path: PATHS.messageStream(thread),
        headers: { ...built.request.headers, ...headers },
      };
      return { ...built, request };
    }
    default: {
      // An id the other workspace uses, reused here: stored or refused as taken, never a 5xx;
      // when stored, it must read back unchanged at the end like any accepted message.
      const parts = [{ type: "text", text: "same id" }];
      const body = JSON.stringify({ id: lane.otherSharedId, role: "user", parts });
      return {
        ...post(PATHS.threadMessages(lane.threadId), body, "id of another workspace"),
        check: (answer) => (answer.status === 201 ? { acceptedMessageId: lane.otherSharedId } : {}),
      };
    }
  }
}

/** Every route with the other workspace's ids, both ways (SPEC §1: 404, never 403). */
export const otherWorkspace: fc.Arbitrary<CaseBuilder> = fc
  .tuple(fc.integer({ min: 0, max: 11 }), fc.boolean())
  .map(
    ([where, reverse]) =>
      (lane) =>
        otherWorkspaceCase(lane, where, reverse),
  );

/** Missing, unknown or malformed credentials (SPEC §3: 401). */
export const badCredentials: fc.Arbitrary<CaseBuilder> = fc
  .tuple(
    fc.constantFrom<Record<string, string>>(
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Basic a2V5LW93bg==" },
      { authorization: "Bearer" },
      { authorization: `Bearer ${WORKSPACES.own.key} x` },
      { authorization: WORKSPACES.own.key },
    ),
    fc.constantFrom<(lane: LaneContext) => string>(
      (lane) => PATHS.thread(lane.threadId),
      () => PATHS.threads,
      (lane) => PATHS.events(lane.threadId),
      (lane) => PATHS.message(lane.ownMessageId),
    ),
  )
  .map(
    ([headers, path]) =>
      (lane: LaneContext): FuzzCase => ({
        kind: "bad credentials",
        request: { method: "GET", path: path(lane), headers },
        expected: [401],
      }),
  );
