/**
 * Starts a throwaway RabbitMQ broker for tests: loopback only, its own node name, ports, epmd and
 * data/log/config directories under a temp dir, no plugins. Stopped by pid.
 *
 *   const broker = await startRabbitMQ();   // in beforeAll: boot is slow, share one per file
 *   new RabbitMQChannelLayer({ url: broker.url });
 *   await broker.restart();                 // same node, same data: durable queues survive
 *   await broker.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "amqplib";
import { freePort } from "./free-port";

const SERVER_SCRIPT = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const EPMD_CANDIDATES = ["/usr/bin/epmd", "/usr/lib/erlang/bin/epmd"];
const BOOT_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** Why the RabbitMQ tests are skipped, or `null` when the broker is installed. Throws in CI instead of skipping. */
export function missingRabbitMQ(): string | null {
  if (existsSync(SERVER_SCRIPT) && EPMD_CANDIDATES.some((p) => existsSync(p))) return null;
  const reason = `RabbitMQ is not installed (${SERVER_SCRIPT} missing): install Debian's package "rabbitmq-server" (apt-get install rabbitmq-server) to run these tests.`;
  if (process.env.CI) throw new Error(`CI must run the RabbitMQ tests. ${reason}`);
  return reason;
}

export interface RabbitMQServer {
  /** `amqp://guest:guest@127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Stops the broker (keeping its data) and starts it again on the same port; resolves once AMQP answers. */
  restart(): Promise<void>;
  /** Stops the broker gracefully; the data stays until `stop()`. */
  halt(): Promise<void>;
  /** Starts a halted broker again. */
  resume(): Promise<void>;
  /** Stops the broker and its epmd and deletes its directory. */
  stop(): Promise<void>;
}

/** Resolves once something accepts TCP connections on `port`, polling until `deadline`. */
async function waitForTcp(port: number, deadline: number, died: () => string | null): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    const death = died();
    if (death) throw new Error(death);
    if (Date.now() > deadline) throw new Error(`Nothing listened on 127.0.0.1:${port} in time.`);
    await new Promise((r) => setTimeout(r, Math.min(25 * 2 ** attempt, 250)));
  }
}

/** Resolves once a real AMQP connection succeeds, polling until `deadline` or until the broker dies. */
async function waitForAmqp(url: string, deadline: number, died: () => string | null): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const death = died();
    if (death) throw new Error(death);
    try {
      const connection = await connect(url);
      await connection.close();
      return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 500)));
  }
  throw new Error(`RabbitMQ did not answer on ${url} within ${BOOT_TIMEOUT_MS} ms: ${String(lastError)}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Sends `signal` to the child's process group (it was spawned detached), falling back to the pid. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      process.kill(child.pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function stopChild(child: ChildProcess, graceful: NodeJS.Signals): Promise<void> {
  const gone = exited(child);
  // The server script forwards SIGTERM to the Erlang VM, which shuts RabbitMQ down cleanly.
  if (child.pid !== undefined) {
    try {
      process.kill(child.pid, graceful);
    } catch {
      // Already gone.
    }
  }
  const timer = setTimeout(() => signalGroup(child, "SIGKILL"), STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(timer);
  // Leftover helpers in the group (erl_child_setup, inet_gethost) go with it.
  signalGroup(child, "SIGKILL");
}

export async function startRabbitMQ(): Promise<RabbitMQServer> {
  const reason = missingRabbitMQ();
  if (reason) throw new Error(reason);
  try {
    return await startOnce();
  } catch {
    // Most likely another process took one of the free ports between our check and the broker's
    // bind: once more, with new ports.
    return startOnce();
  }
}

async function startOnce(): Promise<RabbitMQServer> {
  const base = await mkdtemp(join(tmpdir(), "channels-ts-rabbitmq-"));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const nodeName = `channels-ts-${process.pid}-${port}@localhost`;
  for (const dir of ["mnesia", "log", "home"]) await mkdir(join(base, dir));
  await writeFile(
    join(base, "rabbitmq.conf"),
    [
      `listeners.tcp.1 = 127.0.0.1:${port}`,
      "log.console = false",
      "log.file.level = warning",
      "disk_free_limit.absolute = 1MB",
    ].join("\n"),
  );
  await writeFile(join(base, "enabled_plugins"), "[].\n");
  await writeFile(join(base, "rabbitmq-env.conf"), "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(base, "home"), // the Erlang cookie goes here, not in the user's home
    LANG: "C.UTF-8",
    ERL_EPMD_ADDRESS: "127.0.0.1",
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_USE_LONGNAME: "false",
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(base, "mnesia"),
    RABBITMQ_LOG_BASE: join(base, "log"),
    RABBITMQ_CONFIG_FILE: join(base, "rabbitmq.conf"),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(base, "advanced.config"),
    RABBITMQ_CONF_ENV_FILE: join(base, "rabbitmq-env.conf"),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(base, "enabled_plugins"),
    RABBITMQ_PID_FILE: join(base, "rabbitmq.pid"),
    // Erlang distribution on loopback only; RabbitMQ must not start an epmd of its own.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false",
  };

  const epmdPath = EPMD_CANDIDATES.find((p) => existsSync(p))!;
  const epmd = spawn(epmdPath, ["-port", String(epmdPort)], { env, stdio: "ignore", detached: true });
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  try {
    await waitForTcp(epmdPort, deadline, () => (epmd.exitCode !== null ? "epmd exited at start." : null));
  } catch (error) {
    await stopChild(epmd, "SIGTERM");
    await rm(base, { recursive: true, force: true });
    throw error;
  }

  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  let output = "";

  const boot = async () => {
    output = "";
    const child = spawn(SERVER_SCRIPT, [], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    server = child;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const died = () =>
      child.exitCode !== null || child.signalCode !== null
        ? `rabbitmq-server exited (${child.exitCode ?? child.signalCode}) before answering:\n${output}`
        : null;
    try {
      await waitForAmqp(url, Date.now() + BOOT_TIMEOUT_MS, died);
    } catch (error) {
      const log = await readLogs(base);
      await stopChild(child, "SIGTERM");
      throw new Error(`${(error as Error).message}\n--- broker log ---\n${log}`);
    }
  };
  const halt = async () => {
    if (server) await stopChild(server, "SIGTERM");
    server = undefined;
  };

  try {
    await boot();
  } catch (error) {
    await stopChild(epmd, "SIGTERM");
    await rm(base, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    halt,
    resume: boot,
    async restart() {
      await halt();
      await boot();
    },
    async stop() {
      await halt();
      await stopChild(epmd, "SIGTERM");
      await rm(base, { recursive: true, force: true });
    },
  };
}

async function readLogs(base: string): Promise<string> {
  try {
    const files = await readdir(join(base, "log"));
    const parts = await Promise.all(
      files
        .filter((f) => f.endsWith(".log"))
        .map(async (f) => (await readFile(join(base, "log", f), "utf8")).slice(-3000)),
    );
    return parts.join("\n");
  } catch {
    return "(no log)";
  }
}
