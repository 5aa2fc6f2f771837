/**
 * Raw HTTP/1.1 requests over one keep-alive connection at a time (`node:http`, an agent with one
 * socket): every request either gets an answer or is reported dropped, with whether it went on a
 * reused connection — what the fuzz test needs to tell "refused" from "the socket died".
 */
import http from "node:http";

/** One request as sent on the wire. */
export interface RawRequest {
  method: string;
  /** Path and query, already percent-encoded as the test wants them. */
  path: string;
  headers?: Record<string, string>;
  /** The body; sent with `Content-Length`, or in `chunkBytes` pieces (chunked) when given. */
  body?: string | Buffer;
  chunkBytes?: number;
}

/** What became of a request: the server's answer, or the connection dropped before it. */
export type RawAnswer =
  | {
      kind: "answer";
      status: number;
      headers: http.IncomingHttpHeaders;
      body: string;
      reusedSocket: boolean;
    }
  | { kind: "dropped"; error: string; reusedSocket: boolean };

/**
 * A sequence of requests sharing one keep-alive connection (an `http.Agent` with `maxSockets: 1`):
 * a request goes on the connection the previous one left open, unless the server closed it
 * (`Connection: close`). A request with no answer within `timeoutMs` counts as dropped.
 */
export class Lane {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.url = new URL(baseUrl);
  }

  /** Sends `request` and resolves with its answer or how it was dropped; never rejects. */
  send(request: RawRequest): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve) => {
      let settled = false;
      const settle = (answer: RawAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(answer);
      };
      const req = http.request({
        host: this.url.hostname,
        port: this.url.port,
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        agent: this.agent,
      });
      const dropped = (error: string) =>
        settle({ kind: "dropped", error, reusedSocket: req.reusedSocket });
      const timer = setTimeout(() => {
        dropped(`no answer within ${this.timeoutMs} ms`);
        req.destroy();
      }, this.timeoutMs);
      req.on("response", (res) => {
        const parts: Buffer[] = [];
        res.on("data", (part: Buffer) => parts.push(part));
        res.on("error", (error) => dropped(`response broke off: ${error.message}`));
        res.on("aborted", () => dropped("response aborted"));
        res.on("end", () =>
          settle({
            kind: "answer",
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString("utf8"),
            reusedSocket: req.reusedSocket,
          }),
        );
      });
      // After a complete answer, a failed write of the rest of a refused body is not a drop.
      req.on("error", (error) =>
        dropped(`${(error as NodeJS.ErrnoException).code ?? ""} ${error.message}`),
      );
      writeBody(req, request);
    });
  }

  /** Closes the lane's idle connection. */
  close(): void {
    this.agent.destroy();
  }
}

/** Writes the request body whole (`Content-Length`) or in `chunkBytes` pieces (chunked), then ends. */
function writeBody(req: http.ClientRequest, request: RawRequest): void {
  const { body, chunkBytes } = request;
  if (body === undefined) {
    req.end();
    return;
  }
  if (chunkBytes === undefined) {
    req.end(body);
    return;
  }
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  for (let at = 0; at < bytes.length; at += chunkBytes) {
    if (req.destroyed) return;
    req.write(bytes.subarray(at, at + chunkBytes));
  }
  req.end();
}
