import { validateUIMessages } from "ai";
import { describe, expect, it } from "vitest";
import { isThreadlineError } from "../../src/errors.js";
import type { UIMessage } from "../../src/message/types.js";
import { BACKENDS, openThreadline } from "../support/backends.js";
import { textOf } from "../support/helpers.js";

const user = (id: string, text: string): UIMessage => ({
  id,
  role: "user",
  parts: [{ type: "text", text }],
});

/** The body `DefaultChatTransport` POSTs for `sendMessage`. */
const submit = (chatId: string, messages: UIMessage[], extra: Record<string, unknown> = {}) => ({
  id: chatId,
  messages,
  trigger: "submit-message",
  ...extra,
});

for (const backend of BACKENDS) {
  describe(`chat.receive: the AI SDK chat request [${backend.name}]`, () => {
    async function setup() {
      const { threadline } = await openThreadline(backend);
      return { threadline };
    }

    /** Answers the last user message with a completed assistant message `id`. */
    async function answer(
      threadline: Awaited<ReturnType<typeof setup>>["threadline"],
      threadId: string,
      id: string,
      text: string,
    ) {
      const writer = await threadline.writers.open(threadId, { messageId: id });
      await writer.write({ type: "start" });
      await writer.write({ type: "text-start", id: "a" });
      await writer.write({ type: "text-delta", id: "a", delta: text });
      await writer.write({ type: "text-end", id: "a" });
      await writer.finish();
    }

    it("creates the thread from the chat id and stores the new user message", async () => {
      const { threadline } = await setup();
      const turn = await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      expect(turn).toMatchObject({
        threadId: "chat-1",
        trigger: "submit-message",
        replayed: false,
      });
      expect(turn.userMessage).toMatchObject({ id: "u1", role: "user", status: "completed" });
      expect(turn.messages).toEqual([user("u1", "Hello")]);
      expect((await threadline.threads.get("chat-1")).id).toBe("chat-1");
    });

    it("R21: a retried POST stores nothing twice (the message id is the idempotency key)", async () => {
      const { threadline } = await setup();
      const body = submit("chat-1", [user("u1", "Hello")]);
      const [a, b] = await Promise.allSettled([
        threadline.chat.receive(body),
        threadline.chat.receive(body),
      ]);
      const fulfilled = [a, b].filter((r) => r.status === "fulfilled");
      expect(fulfilled.length).toBeGreaterThanOrEqual(1);
      for (const r of [a, b]) {
        if (r.status === "rejected") expect(isThreadlineError(r.reason, "conflict")).toBe(true);
      }
      const again = await threadline.chat.receive(body);
      expect(again.replayed).toBe(true);
      const { messages } = await threadline.messages.list("chat-1");
      expect(messages.map((m) => m.id)).toEqual(["u1"]);
    });

    it("the history comes from the store, not the client, and the AI SDK's validateUIMessages accepts it", async () => {
      const { threadline } = await setup();
      await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      await answer(threadline, "chat-1", "a1", "Hi!");
      const forged: UIMessage = {
        id: "a1",
        role: "assistant",
        parts: [{ type: "text", text: "forged" }],
      };
      const turn = await threadline.chat.receive(
        submit("chat-1", [user("u1", "Hello"), forged, user("u2", "More")]),
      );
      expect(turn.messages.map((m) => m.id)).toEqual(["u1", "a1", "u2"]);
      expect(textOf(turn.messages[1]!)).toBe("Hi!");
      const validated = await validateUIMessages({ messages: turn.messages });
      expect(validated).toHaveLength(3);
      for (const message of turn.messages) {
        expect(Object.keys(message).sort()).toEqual(
          Object.keys(message)
            .filter((k) => ["id", "role", "parts", "metadata"].includes(k))
            .sort(),
        );
      }
    });

    it("regenerate supersedes the last reply: removed from the thread, kept in a fork (R19)", async () => {
      const { threadline } = await setup();
      await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      await answer(threadline, "chat-1", "a1", "first answer");
      const turn = await threadline.chat.receive({
        id: "chat-1",
        messages: [user("u1", "Hello")],
        trigger: "regenerate-message",
        messageId: "a1",
      });
      expect(turn.trigger).toBe("regenerate-message");
      expect(turn.messages.map((m) => m.id)).toEqual(["u1"]);
      expect(turn.supersededThreadId).toBeDefined();
      const kept = await threadline.messages.list(turn.supersededThreadId!);
      expect(kept.messages.map((m) => m.id)).not.toContain("a1"); // forks copy with new ids
      expect(kept.messages.map(textOf)).toEqual(["Hello", "first answer"]);
      const fork = await threadline.threads.get(turn.supersededThreadId!);
      expect(fork.forkedFrom?.threadId).toBe("chat-1");
      expect((await threadline.messages.list("chat-1")).messages.map((m) => m.id)).toEqual(["u1"]);
    });

    it("regenerate without a message id takes the last assistant message; with nothing answered it just answers", async () => {
      const { threadline } = await setup();
      await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      const early = await threadline.chat.receive({
        id: "chat-1",
        messages: [user("u1", "Hello")],
        trigger: "regenerate-message",
      });
      expect(early.supersededThreadId).toBeUndefined();
      await answer(threadline, "chat-1", "a1", "first");
      const turn = await threadline.chat.receive({
        id: "chat-1",
        messages: [user("u1", "Hello")],
        trigger: "regenerate-message",
      });
      expect(turn.messages.map((m) => m.id)).toEqual(["u1"]);
    });

    it("regenerating a message that is still streaming is a conflict that changes nothing", async () => {
      const { threadline } = await setup();
      await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      const writer = await threadline.writers.open("chat-1", { messageId: "a1" });
      await writer.write({ type: "start" });
      const error = await threadline.chat
        .receive({ id: "chat-1", messages: [user("u1", "Hello")], trigger: "regenerate-message" })
        .catch((e) => e);
      expect(isThreadlineError(error, "conflict")).toBe(true);
      expect((await threadline.messages.list("chat-1")).messages.map((m) => m.id)).toEqual([
        "u1",
        "a1",
      ]);
      expect((await threadline.threads.list()).threads).toHaveLength(1);
    });

    it("an edit (submit with messageId) supersedes from the edited message and stores the new text", async () => {
      const { threadline } = await setup();
      await threadline.chat.receive(submit("chat-1", [user("u1", "Hello")]));
      await answer(threadline, "chat-1", "a1", "Hi!");
      const turn = await threadline.chat.receive(
        submit("chat-1", [user("u1", "Hello, edited")], { messageId: "u1" }),
      );
      expect(turn.supersededThreadId).toBeDefined();
      expect(turn.messages.map((m) => [m.id, textOf(m)])).toEqual([["u1", "Hello, edited"]]);
    });

    it("bad requests are bad_request naming the field, and store nothing", async () => {
      const { threadline } = await setup();
      const bad: Array<[unknown, RegExp]> = [
        [null, /invalid AI SDK chat request/],
        ["text", /invalid AI SDK chat request/],
        [{ messages: [], trigger: "submit-message" }, /"id"/],
        [{ id: "c", messages: "no", trigger: "submit-message" }, /"messages"/],
        [{ id: "c", messages: [], trigger: "resume" }, /"trigger"/],
        [
          { id: "c", messages: [{ id: "u", role: "robot", parts: [] }], trigger: "submit-message" },
          /"messages.0.role"/,
        ],
        [
          { id: "c", messages: [{ id: "u", role: "user" }], trigger: "submit-message" },
          /"messages.0.parts"/,
        ],
        [submit("c", []), /must end with a user message/],
        [submit("c", [{ id: "a", role: "assistant", parts: [] }]), /must end with a user message/],
        [
          submit("c", [
            { id: "u", role: "user", parts: [{ type: "banana" }] } as unknown as UIMessage,
          ]),
          /parts\[0\]/,
        ],
        [{ id: "c", messages: [], trigger: "regenerate-message", messageId: "nope" }, /not found/],
      ];
      for (const [body, reason] of bad) {
        const error = await threadline.chat.receive(body).catch((e) => e);
        expect(isThreadlineError(error), JSON.stringify(body)).toBe(true);
        expect(error.status, JSON.stringify(body)).toBeLessThan(500);
        expect(error.message, JSON.stringify(body)).toMatch(reason);
      }
      const request = new Request("http://x/api/chat", { method: "POST", body: "{not json" });
      const malformed = await threadline.chat.receive(request).catch((e) => e);
      expect(isThreadlineError(malformed, "bad_request")).toBe(true);
      const threads = (await threadline.threads.list()).threads.map((t) => t.id);
      for (const id of threads) {
        expect((await threadline.messages.list(id)).messages).toEqual([]);
      }
    });

    it("reads a Web Request; createThread: false refuses an unknown chat; another workspace's chat is not seen", async () => {
      const { threadline } = await setup();
      const request = new Request("http://x/api/chat", {
        method: "POST",
        body: JSON.stringify(submit("chat-1", [user("u1", "Hello")])),
      });
      expect((await threadline.chat.receive(request)).userMessage?.id).toBe("u1");
      const refused = await threadline.chat
        .receive(submit("chat-2", [user("u2", "Hi")]), { createThread: false })
        .catch((e) => e);
      expect(isThreadlineError(refused, "not_found")).toBe(true);
      const other = threadline.workspace("w2");
      const regenerate = await other.chat
        .receive(
          { id: "chat-1", messages: [], trigger: "regenerate-message", messageId: "u1" },
          {
            createThread: false,
          },
        )
        .catch((e) => e);
      expect(isThreadlineError(regenerate, "not_found")).toBe(true);
    });
  });
}
