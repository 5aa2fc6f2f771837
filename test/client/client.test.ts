import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/cli/start-server.js";
import { type ClientSubscriptionItem, createClient } from "../../src/client/index.js";
import type { UIMessageChunk } from "../../src/message/types.js";
import { BACKENDS } from "../support/backends.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fetch whose first events response breaks off after `events` SSE events. */
function fetchBreakingFirstStream(events: number): typeof fetch {
  let broken = false;
  return async (input, init) => {
    const response = await fetch(input, init);
    if (broken || !String(input).endsWith("/events") || !response.body) return response;
    broken = true;
    let seen = 0;
    const decoder = new TextDecoder();
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          controller.enqueue(chunk);
          seen += decoder.decode(chunk).split("\n\n").length - 1;
          if (seen >= events) controller.error(new TypeError("connection reset"));
        },
      }),
    );
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

for (const backend of BACKENDS) {
  describe(`threadline/client [${backend.name}]`, () => {
    async function server(): Promise<RunningServer> {
      const running = await startServer({
        database: await backend.freshDatabase(),
        port: 0,
        windowMs: 5,
      });
      servers.push(running);
      return running;
    }

    it("SPEC §3: CRUD round trips, and server errors come back as the same ThreadlineError codes", async () => {
      const { url } = await server();
      const client = createClient({ baseUrl: url });
      const thread = await client.threads.create({ title: "t" });
      expect(await client.threads.get(thread.id)).toMatchObject({ title: "t" });
      const { message } = await client.messages.append(thread.id, {
        role: "user",
        parts: [{ type: "text", text: "hi" }],
      });
      expect((await client.messages.list(thread.id)).messages.map((m) => m.id)).toEqual([
        message.id,
      ]);
      await expect(client.threads.get("missing")).rejects.toMatchObject({
        name: "ThreadlineError",
        code: "not_found",
      });
      await expect(client.threads.create({ id: thread.id })).rejects.toMatchObject({
        code: "conflict",
      });
      await client.messages.delete(message.id);
      await client.threads.delete(thread.id);
      await expect(client.threads.get(thread.id)).rejects.toMatchObject({ code: "not_found" });
    });

    it("R11/R13: a subscription that loses its connection reconnects from its last seq: no gap, no duplicate", async () => {
      const { url } = await server();
      const client = createClient({ baseUrl: url, fetch: fetchBreakingFirstStream(4) });
      const thread = await client.threads.create();
      const producer = createClient({ baseUrl: url });
      const items: ClientSubscriptionItem[] = [];
      const done = (async () => {
        for await (const item of client.subscribe(thread.id, { reconnectDelayMs: 10 })) {
          items.push(item);
          if (item.type === "message.finished") break;
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const chunks: UIMessageChunk[] = [
        { type: "start" },
        { type: "text-start", id: "t" },
        ...Array.from(
          { length: 20 },
          (_, i): UIMessageChunk => ({ type: "text-delta", id: "t", delta: `${i} ` }),
        ),
        { type: "text-end", id: "t" },
        { type: "finish" },
      ];
      async function* paced() {
        for (const chunk of chunks) {
          yield chunk;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      const stored = await producer.messages.stream(thread.id, paced());
      await done;
      const [snapshot, ...events] = items;
      expect(snapshot?.type).toBe("snapshot");
      const seqs = events.map((e) => e.seq);
      expect(seqs).toEqual(
        Array.from({ length: seqs.length }, (_, i) => (snapshot?.seq ?? 0) + 1 + i),
      );
      expect(events.length).toBeGreaterThan(4); // it did get past the break
      expect(stored.status).toBe("completed");
    });

    it("a 4xx answer ends the subscription with the server's error instead of retrying", async () => {
      const { url } = await server();
      const client = createClient({ baseUrl: url });
      const thread = await client.threads.create();
      const iterator = client.subscribe(thread.id, { after: 99 })[Symbol.asyncIterator]();
      await expect(iterator.next()).rejects.toMatchObject({ code: "bad_offset" });
    });
  });
}
