// One child process of the bench: spawned with a raised file-descriptor limit, optionally pinned to
// one CPU, with its output kept for error messages and an IPC channel for Node children.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { missingTaskset } from "../peers";

/** The bench package's directory: children run here so `tsx` and `tsconfig.json` resolve. */
export const BENCH_DIR = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Children resolve @channels-ts/* to the built packages (dist/), as an application in production
 * does: tsx would otherwise transpile the sources with keepNames, which wraps every function in a
 * `__name()` call and gives each closure a property store (CPU per message, ~2 KB per connection).
 */
const DIST_TSCONFIG = fileURLToPath(new URL("../../tsconfig.dist.json", import.meta.url));

export interface ChildOptions {
  label: string;
  /** Pin the process to this CPU (`taskset -c`), so a server measures alone on its core. */
  cpu?: number;
  env?: Record<string, string>;
  cwd?: string;
}

// `ulimit -n` to the hard limit first: 10,000 sockets need more descriptors than some defaults give.
const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null; exec "$@"';

export class Child {
  readonly process: ChildProcess;
  readonly label: string;
  readonly exited: Promise<number | null>;
  private log = "";
  private lineWaiters: Array<() => void> = [];

  constructor(command: string, args: string[], options: ChildOptions) {
    this.label = options.label;
    // One CPU only: no pinning (both would share it anyway).
    const pinned =
      options.cpu === undefined || options.cpu >= availableParallelism() || missingTaskset()
        ? []
        : ["taskset", "-c", String(options.cpu)];
    this.process = spawn("sh", ["-c", RAISE_FD_LIMIT, "sh", ...pinned, command, ...args], {
      cwd: options.cwd ?? BENCH_DIR,
      env: { ...process.env, TSX_TSCONFIG_PATH: DIST_TSCONFIG, ...options.env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    const collect = (chunk: Buffer) => {
      this.log = (this.log + chunk.toString()).slice(-20_000);
      for (const wake of this.lineWaiters.splice(0)) wake();
    };
    this.process.stdout?.on("data", collect);
    this.process.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => this.process.once("exit", (code) => resolve(code)));
    void this.exited.then(() => {
      for (const wake of this.lineWaiters.splice(0)) wake();
    });
  }

  get pid(): number {
    if (this.process.pid === undefined) throw new Error(`${this.label} did not start`);
    return this.process.pid;
  }

  output(): string {
    return this.log.slice(-3_000);
  }

  /** Resolves with the first match of `pattern` in the child's output (stdout and stderr). */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.log.match(pattern);
      if (match) return match;
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(
          `${this.label} exited (${this.process.exitCode ?? this.process.signalCode}):\n${this.output()}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.label}: no ${pattern} within ${timeoutMs} ms:\n${this.output()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1_000));
        this.lineWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(message: object): void {
    this.process.send?.(message);
  }

  /** The next IPC message that `accept` takes, within `timeoutMs`. */
  nextMessage<T>(accept: (message: unknown) => message is T, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (!accept(message)) return;
        cleanup();
        resolve(message);
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.label} exited before answering:\n${this.output()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.label}: no answer within ${timeoutMs} ms:\n${this.output()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.process.off("message", onMessage);
        this.process.off("exit", onExit);
      };
      this.process.on("message", onMessage);
      this.process.once("exit", onExit);
    });
  }

  /** Resident set size from /proc, in bytes (the same measure for Node and Python servers). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    if (!kb) throw new Error(`${this.label}: no VmRSS in /proc/${this.pid}/status`);
    return Number(kb) * 1024;
  }

  /**
   * CPU time the process has used (user + system), in seconds, from /proc: the cost of work that
   * stays comparable when a shared machine gives the process less of a core.
   */
  cpuSeconds(): number {
    const stat = readFileSync(`/proc/${this.pid}/stat`, "utf8");
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  }

  /** SIGTERM by pid, SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Arguments that run a TypeScript entry of this package in Node (via tsx), with `gc()` exposed. */
export function nodeArgs(entry: string, extra: string[] = []): [string, string[]] {
  return [process.execPath, ["--expose-gc", "--import", "tsx", ...extra, entry]];
}
