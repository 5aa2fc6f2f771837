import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { type FormEvent, useState } from "react";
import type { MessageStatus, StoredMessage } from "threadline";
import { loadMessages, stopChat } from "./api.js";

const transport = new DefaultChatTransport({ api: "/api/chat" });

/**
 * One thread's chat: `useChat` on the thread id with its stored messages, resuming a reply that is
 * still streaming (`resume: true`). Each message's status comes from the server.
 */
export function ChatView(props: {
  threadId: string;
  initialMessages: StoredMessage[];
  onChange: () => void;
}) {
  const { threadId, onChange } = props;
  const [statuses, setStatuses] = useState(() => statusesOf(props.initialMessages));
  const [input, setInput] = useState("");
  const { messages, sendMessage, setMessages, status, stop } = useChat({
    id: threadId,
    messages: props.initialMessages,
    resume: true, // a reply still streaming continues; a new chat answers 204
    transport,
    onFinish: () => {
      loadMessages(threadId).then((stored) => setStatuses(statusesOf(stored)), console.error);
      onChange();
    },
  });
  const busy = status === "submitted" || status === "streaming";

  function send(event: FormEvent) {
    event.preventDefault();
    if (input.trim() === "" || busy) return;
    void sendMessage({ text: input });
    setInput("");
  }

  async function stopReply() {
    const { message } = await stopChat(threadId); // ends the generation on the server
    await stop(); // closes this page's request
    if (!message) return;
    // Show what the server kept: chunks in flight when the request closed are in it too.
    setMessages((shown) => shown.map((m) => (m.id === message.id ? message : m)));
    setStatuses((known) => ({ ...known, [message.id]: message.status }));
  }

  return (
    <main>
      <div className="messages" data-testid="messages">
        {messages.map((message) => (
          <MessageView key={message.id} message={message} status={statuses[message.id]} />
        ))}
      </div>
      <div className="status" data-testid="chat-status" data-status={status}>
        {status}
      </div>
      <form onSubmit={send}>
        <input
          data-testid="chat-input"
          value={input}
          placeholder="Say something…"
          onChange={(event) => setInput(event.target.value)}
        />
        <button type="submit" data-testid="send" disabled={busy}>
          Send
        </button>
        <button type="button" data-testid="stop" disabled={!busy} onClick={stopReply}>
          Stop
        </button>
      </form>
    </main>
  );
}

function MessageView(props: { message: UIMessage; status: MessageStatus | undefined }) {
  const { message, status } = props;
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  const shown = status === "aborted" || status === "error";
  return (
    <div
      className="message"
      data-testid="message"
      data-role={message.role}
      data-message-id={message.id}
    >
      <span className="role">{message.role}</span>
      {shown ? (
        <span className="badge" data-testid="message-status">
          {status}
        </span>
      ) : null}
      <p data-testid="message-text">{text}</p>
    </div>
  );
}

function statusesOf(messages: StoredMessage[]): Record<string, MessageStatus> {
  return Object.fromEntries(messages.map((m) => [m.id, m.status]));
}
