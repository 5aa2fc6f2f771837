import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { primeThreadEventDataJson, threadEventJson } from "../../src/protocol/event-json.js";
import { EVENT_TYPES, type ThreadEvent } from "../../src/protocol/events.js";

/** Any event as the store, the broker or a subscription builds it (the data is free-form JSON). */
const events = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    threadId: fc.string(),
    seq: fc.nat(),
    messageId: fc.option(fc.string(), { nil: null }),
    revision: fc.option(fc.nat(), { nil: null }),
    createdAt: fc.nat(),
    data: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
  })
  .map((event) => event as ThreadEvent);

/** Keys of every object in `value`, in order, depth-first: what a frame's key order is. */
function keyOrder(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keyOrder);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keyOrder(inner)]);
}

function expectSameJson(actual: string, event: unknown): void {
  const expected = JSON.stringify(event);
  expect(JSON.parse(actual)).toEqual(JSON.parse(expected));
  expect(keyOrder(JSON.parse(actual))).toEqual(keyOrder(JSON.parse(expected)));
}

/** A `message.delta` event with no chunks, a new object per call. */
function deltaEvent(): ThreadEvent {
  return {
    type: "message.delta",
    threadId: "t",
    seq: 3,
    messageId: "m",
    revision: 2,
    createdAt: 1,
    data: { chunks: [] },
  };
}

describe("threadEventJson (issue 9: each event serialized once for every viewer)", () => {
  it("is JSON.stringify(event): same values, same key order", () => {
    fc.assert(
      fc.property(events, (event) => {
        expectSameJson(threadEventJson(event), event);
      }),
    );
  });

  it("builds the event around the data JSON the store primed, never stringifying data again", () => {
    fc.assert(
      fc.property(events, (event) => {
        primeThreadEventDataJson(event, JSON.stringify(event.data));
        const json = threadEventJson(event);
        expectSameJson(json, event);
        expect(json).toBe(JSON.stringify(event));
      }),
    );
    const event = deltaEvent();
    const data = event.data as unknown as { toJSON: () => never };
    data.toJSON = () => {
      throw new Error("data stringified again");
    };
    primeThreadEventDataJson(event, '{"chunks":[]}');
    expect(threadEventJson(event)).toBe(
      '{"type":"message.delta","threadId":"t","seq":3,"messageId":"m","revision":2,"createdAt":1,"data":{"chunks":[]}}',
    );
  });

  it("serializes an event object once: every later call returns the same text", () => {
    const event: ThreadEvent = {
      type: "thread.deleted",
      threadId: "t",
      seq: 1,
      messageId: null,
      revision: null,
      createdAt: 5,
      data: {},
    };
    const first = threadEventJson(event);
    (event as { seq: number }).seq = 2; // never done to a committed event: shows the memo
    expect(threadEventJson(event)).toBe(first);
    primeThreadEventDataJson(event, '{"late":true}'); // too late to change anything
    expect(threadEventJson(event)).toBe(first);
  });

  it("skips what JSON.stringify skips and keeps any extra field in place", () => {
    const event = {
      type: "message.deleted",
      threadId: "t",
      extra: undefined,
      seq: 1,
      messageId: "m",
      revision: 4,
      createdAt: 2,
      data: {},
      after: [1, undefined],
    } as unknown as ThreadEvent;
    expect(threadEventJson(event)).toBe(JSON.stringify(event));
  });

  it("keeps what it made on the event out of sight: JSON, keys, spread and equality are unchanged", () => {
    const event = deltaEvent();
    const before = { ...event };
    const keys = Reflect.ownKeys(event).filter(
      (key) => Object.getOwnPropertyDescriptor(event, key)?.enumerable,
    );
    primeThreadEventDataJson(event, '{"chunks":[]}');
    const json = threadEventJson(event);
    expect(JSON.stringify(event)).toBe(json);
    expect(
      Reflect.ownKeys(event).filter(
        (key) => Object.getOwnPropertyDescriptor(event, key)?.enumerable,
      ),
    ).toEqual(keys);
    expect({ ...event }).toStrictEqual(before);
    expect(event).toStrictEqual(before);
    expect(structuredClone(event)).toStrictEqual(before);
  });

  it("serializes a frozen event too, without keeping the text", () => {
    fc.assert(
      fc.property(events, (event) => {
        Object.freeze(event);
        primeThreadEventDataJson(event, '{"not":"its data"}'); // nowhere to keep it: ignored
        expectSameJson(threadEventJson(event), event);
        expect(threadEventJson(event)).toBe(JSON.stringify(event));
      }),
    );
  });
});
