/**
 * Runs the Durable Streams reference server (`@durable-streams/server`, `DurableStreamTestServer`)
 * in its own process, as `threadline serve` runs in its own: in memory, or file-backed when a data
 * directory is given. Started by servers.ts; prints `listening <url>` once it accepts requests.
 *
 * ```
 * node --import tsx bench/http/ds-server.ts <port> [dataDir]
 * ```
 */
import { DurableStreamTestServer } from "@durable-streams/server";

const [port, dataDir] = process.argv.slice(2);
const server = new DurableStreamTestServer({
  port: Number(port),
  host: "127.0.0.1",
  ...(dataDir ? { dataDir } : {}),
});
await server.start();
console.log(`listening ${server.url}`);
const stop = () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
