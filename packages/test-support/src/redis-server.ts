/**
 * Starts a private `redis-server` for tests, examples and benchmarks: a free loopback port, no
 * persistence, stopped by pid. Resolves once the server answers PING.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port";

export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM by pid, SIGKILL if it lingers). Idempotent. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port, empty (no persistence). */
  restart(): Promise<void>;
  /** Starts it again after `stop()` (for outage tests), on the same port. */
  start(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** Extra `redis-server` arguments, e.g. `["--sentinel"]` (with `configFile`). */
  args?: string[];
  /** A config file, passed first as redis-server wants it (Sentinel needs one it can rewrite). */
  configFile?: string;
  /**
   * The log line that says the server is up (PING must answer too).
   * @default /Ready to accept connections/ (Sentinel mode: use /\+monitor master/)
   */
  readyLine?: RegExp;
  /** A fixed port instead of a free one. */
  port?: number;
  /**
   * How long to wait for the first PING reply, in ms.
   * @default 10_000
   */
  startTimeoutMs?: number;
}

const BINARY = "redis-server";

// Servers still running when the test process exits (a crash, a killed worker) go down with it.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const server of running) if (server.pid !== undefined) process.kill(server.pid, "SIGKILL");
  });
}

/** `true` when `redis-server` can be run here. */
export function hasRedisServer(): boolean {
  try {
    execFileSync(BINARY, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why Redis-backed tests cannot run here, or `undefined` when they can. Throws under CI (where
 * `.ci/run` installs Debian's `redis-server`), so a missing server never passes silently.
 */
export function redisServerSkipReason(): string | undefined {
  if (hasRedisServer()) return undefined;
  const message =
    "redis-server is not installed: install the Debian package `redis-server` to run these tests";
  if (process.env.CI) throw new Error(message);
  return message;
}

/** One PING on `port`: `true` on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = new Socket();
    let reply = "";
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once("error", () => done(false));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

/** Resolves once the server logs its ready line and answers PING; rejects on exit or timeout. */
function waitUntilReady(
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  readyLine: RegExp,
  log: () => string,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`redis-server on port ${port} ${why}:\n${log()}`));
    };
    const onData = () => {
      if (!readyLine.test(log())) return;
      cleanup();
      ping(port).then((ok) =>
        ok ? resolve() : reject(new Error(`redis-server on port ${port} did not answer PING`)),
      );
    };
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
    };
    // Registered after the log collector, so log() already holds this chunk.
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Starts `redis-server --port P --bind 127.0.0.1 --save '' --appendonly no` on a free port. */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerHandle> {
  const reason = redisServerSkipReason();
  if (reason) throw new Error(reason);
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "channels-ts-redis-"));
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let child: ChildProcess | undefined;
  let log = "";

  const start = async () => {
    log = "";
    mkdirSync(dir, { recursive: true });
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ];
    const config = options.configFile ? [options.configFile] : [];
    child = spawn(BINARY, [...config, ...args, ...(options.args ?? [])], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(child);
    child.stdout?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    try {
      await waitUntilReady(
        port,
        child,
        timeoutMs,
        options.readyLine ?? /Ready to accept connections/,
        () => log,
      );
    } catch (error) {
      await stopChild(); // never leave a half-started server behind
      throw error;
    }
  };

  const stopChild = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.pid === undefined) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    process.kill(running.pid, "SIGTERM");
    const killer = setTimeout(() => {
      if (running.exitCode === null && running.pid !== undefined) process.kill(running.pid, "SIGKILL");
    }, 5_000);
    await exited;
    clearTimeout(killer);
    rmSync(dir, { recursive: true, force: true });
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild();
    },
    async restart() {
      await stopChild();
      await start();
    },
    async start() {
      if (child) return;
      await start();
    },
  };
}
