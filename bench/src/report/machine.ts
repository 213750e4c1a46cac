// The machine and software a run was made on, for the top of docs/benchmarks.md.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { BENCH_DIR } from "../proc/child";

export interface Machine {
  date: string;
  nproc: string;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  python: string;
  /** The channels-ts code measured: commit, whether the tree had changes, and any note (BENCH_CODE_NOTE). */
  code: string;
  versions: Record<string, string>;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return "unknown";
  }
}

function packageVersion(name: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(BENCH_DIR, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    return "unknown";
  }
}

export function describeMachine(): Machine {
  const model =
    /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model ?? "unknown";
  const python = run("/usr/bin/python3", [
    "-c",
    "import django, channels, daphne, channels_redis, sys; print(sys.version.split()[0], django.__version__, channels.__version__, daphne.__version__, channels_redis.__version__)",
  ]).split(" ");
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc: run("nproc", []),
    cpuModel: model,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: `Linux ${release()}`,
    node: process.version,
    python: python[0] ?? "unknown",
    code: [
      `commit ${run("git", ["-C", BENCH_DIR, "rev-parse", "--short", "HEAD"])}`,
      run("git", ["-C", BENCH_DIR, "status", "--porcelain", "--", "../packages"])
        ? "with uncommitted changes in packages/"
        : "",
      process.env.BENCH_CODE_NOTE ?? "",
    ]
      .filter(Boolean)
      .join(", "),
    versions: {
      ws: packageVersion("ws"),
      "socket.io": packageVersion("socket.io"),
      "@socket.io/redis-adapter": packageVersion("@socket.io/redis-adapter"),
      ioredis: packageVersion("ioredis"),
      Django: python[1] ?? "unknown",
      channels: python[2] ?? "unknown",
      daphne: python[3] ?? "unknown",
      channels_redis: python[4] ?? "unknown",
      "redis-server": /v=(\S+)/.exec(run("redis-server", ["--version"]))?.[1] ?? "unknown",
    },
  };
}
