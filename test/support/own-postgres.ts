import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/** A PostgreSQL server of a test's own, which it may stop and restart without anyone else noticing. */
export interface OwnPostgres {
  /** Connection string of its `postgres` database, superuser `root`, trust auth. */
  url: string;
  /**
   * `pg_ctl restart -m fast` (asynchronous, so the test's event loop keeps running): every
   * connection is terminated, then the server comes back; resolves once it accepts connections.
   */
  restart(): Promise<void>;
  /** Stops the server and removes its data directory. */
  stop(): void;
}

/**
 * Creates and starts a temporary PostgreSQL cluster (`initdb` + `pg_ctl`, the machine's PostgreSQL
 * binaries, run as the `postgres` user because `initdb` refuses root) on a free port of 127.0.0.1,
 * so a fault test can restart PostgreSQL itself mid-stream (issue 7) without touching the shared
 * server other tests use. Throws with the tool's output when the machine has no PostgreSQL
 * binaries or no `postgres` user: the fault tests never skip.
 */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "threadline-own-pg-"));
  const data = join(dir, "data");
  const { uid, gid } = postgresUser();
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (tool: string, args: string[]) =>
    execFileSync("runuser", ["-u", "postgres", "--", join(bin, tool), ...args], {
      stdio: "pipe",
      timeout: 60_000,
    });
  asPostgres("initdb", ["-D", data, "-A", "trust", "-U", "root", "--no-sync"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const pgCtlArgs = ["-D", data, "-l", join(dir, "log"), "-w", "-o", options];
  const pgCtl = (...args: string[]) => asPostgres("pg_ctl", [...pgCtlArgs, ...args]);
  pgCtl("start");
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    restart: async () => {
      await promisify(execFile)("runuser", [
        "-u",
        "postgres",
        "--",
        join(bin, "pg_ctl"),
        ...pgCtlArgs,
        "restart",
        "-m",
        "fast",
      ]);
    },
    stop: () => {
      try {
        pgCtl("stop", "-m", "immediate");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function postgresBinDir(): string {
  const versions = execFileSync("ls", ["/usr/lib/postgresql"]).toString().trim().split("\n");
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${newest}/bin`;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  return { uid: id("-u"), gid: id("-g") };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
