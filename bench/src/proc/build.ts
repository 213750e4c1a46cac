// The bench measures the packages as users deploy them, built (see DIST_TSCONFIG in child.ts):
// build them first when any source is newer than its build.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR } from "./child";

const ROOT = join(BENCH_DIR, "..");
/** Each package and a file its build writes. */
const PACKAGES: Record<string, string> = {
  core: "index.js",
  "layer-memory": "index.js",
  "layer-redis": "index.js",
  "layer-rabbitmq": "index.js",
  metrics: "prometheus.js",
};

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Names the packages whose dist/ is missing or older than their src/. */
export function stalePackages(): string[] {
  return Object.keys(PACKAGES).filter((name) => {
    const built = join(ROOT, "packages", name, "dist", PACKAGES[name]!);
    return !existsSync(built) || statSync(built).mtimeMs < newestMtime(join(ROOT, "packages", name, "src"));
  });
}

export function ensureBuilt(log: (line: string) => void): void {
  const stale = stalePackages();
  if (stale.length === 0) return;
  log(`building the packages first (${stale.join(", ")} changed since the last build)`);
  // The pnpm that runs us (`npx pnpm bench` leaves none on PATH), else the one on PATH.
  const pnpm = process.env.npm_execpath;
  const [command, args] =
    pnpm && /pnpm/.test(pnpm) ? [process.execPath, [pnpm, "run", "build"]] : ["pnpm", ["run", "build"]];
  execFileSync(command, args, { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}
