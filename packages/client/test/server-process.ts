// Starts test/fixtures/echo-server.ts in its own process (node --import tsx: one process, whose pid
// is the server's), so a test can stop, freeze and
// restart a real server on the same port.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChannelSocket, ConnectionState, SocketProtocol } from "../src/index";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const rootTsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));
const script = fileURLToPath(new URL("./fixtures/echo-server.ts", import.meta.url));

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<ChildProcess>();

/** Kills every server a test left running (by pid, the ones started here only). */
export function killAllServers(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  }
  started.clear();
}

export function startServer(port = 0, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: packageDir,
    // The repository's tsconfig maps @channels-ts/* to their sources, as vitest's aliases do.
    env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: rootTsconfig },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.add(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`The echo server did not start within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        port: Number(match[1]),
        pid: child.pid!,
        stop: async (signal = "SIGTERM") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
          started.delete(child);
        },
      });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The echo server exited (${code}) before it listened. Output:\n${output}`));
    });
  });
}

/** Resolves when the socket reaches `state` (at once if it is there). */
export function reach<P extends SocketProtocol>(
  socket: ChannelSocket<P>,
  state: ConnectionState,
): Promise<void> {
  if (socket.state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = socket.on("state", (s) => {
      if (s !== state) return;
      stop();
      resolve();
    });
  });
}

/** Rejects with `what` unless `promise` settles within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
