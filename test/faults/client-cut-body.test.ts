import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServe } from "../support/serve-process.js";
import { temporaryDirectory } from "../support/temporary-directory.js";

/**
 * Sends the head of a chunked NDJSON upload and `lines` in one chunk, then destroys the socket:
 * a client that goes away mid-body (a closed tab, a killed agent process).
 */
function uploadThenCut(url: string, threadId: string, lines: readonly object[]): Promise<void> {
  const { hostname, port } = new URL(url);
  const body = `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST /v1/threads/${threadId}/messages/stream HTTP/1.1\r\nHost: ${hostname}\r\n` +
          "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n" +
          `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n`,
      );
      // Cut once the server has read the chunk: its message exists and holds the text.
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 300);
    });
    socket.on("error", reject);
  });
}

describe("a client that cuts its own upload (issue 7)", () => {
  it("R16, R30: the message ends aborted with what arrived, and the server logs no error", async () => {
    const dir = await temporaryDirectory("threadline-cut-");
    const server = await startServe({ database: `sqlite:${join(dir, "t.db")}` });
    const created = await fetch(`${server.url}/v1/threads`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "t1" }),
    });
    expect(created.status).toBe(201);
    await uploadThenCut(server.url, "t1", [
      { type: "start", messageId: "m1" },
      { type: "text-start", id: "a" },
      { type: "text-delta", id: "a", delta: "hello" },
    ]);
    const deadline = Date.now() + 5_000;
    let message: { status?: string; parts?: { text?: string }[] } | undefined;
    while (Date.now() < deadline) {
      const response = await fetch(`${server.url}/v1/messages/m1`);
      if (response.ok) message = ((await response.json()) as { message: typeof message }).message;
      if (message?.status !== "streaming" && message !== undefined) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(message).toMatchObject({ status: "aborted", parts: [{ text: "hello" }] });
    // The next request on a fresh connection is served as usual.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await server.stop("SIGTERM")).code).toBe(0);
    expect(server.stderr).toBe("");
  });
});
