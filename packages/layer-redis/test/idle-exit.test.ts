/** An idle layer does not hold the process open: a one-off script that sends exits without close(). */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { redisServerSkipReason } from "@channels-ts/test-support";
import { useRedis } from "@channels-ts/test-support/vitest";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";

// tsx's loader, as `node --import tsx` uses it (the monorepo has tsx through vite).
const fromVitest = createRequire(createRequire(import.meta.url).resolve("vitest"));
const TSX_LOADER = pathToFileURL(createRequire(fromVitest.resolve("vite")).resolve("tsx")).href;
const SCRIPT = fileURLToPath(new URL("./one-off-script.ts", import.meta.url));
// The workspace tsconfig maps @channels-ts/* to their sources, as vitest's aliases do.
const TSCONFIG = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));

/** Runs the script; resolves with its exit code and output, or with `hung` if it outlives `limitMs`. */
function runScript(env: Record<string, string>, limitMs = 10_000) {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, SCRIPT], {
    env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise<{ code: number | null; hung: boolean; output: string }>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ code: null, hung: true, output });
    }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, hung: false, output });
    });
  });
}

describe("a one-off script that sends and never calls close() exits on its own", () => {
  it("InMemoryChannelLayer", async () => {
    const result = await runScript({ LAYER: "memory" });
    expect(result).toEqual({ code: 0, hung: false, output: "sent\n" });
  });

  const skip = redisServerSkipReason();
  describe.skipIf(skip)(skip ? `Redis (skipped: ${skip})` : "Redis", () => {
    const redis = useRedis();

    it.each(["redis", "pubsub"])("%s layer", async (layer) => {
      const result = await runScript({ LAYER: layer, REDIS_URL: redis().url });
      expect(result).toEqual({ code: 0, hung: false, output: "sent\n" });
      if (layer === "redis") {
        // The messages really went out before the process left.
        const control = new Redis(redis().url);
        // channels_redis's keys: the channel "jobs" and the group member's mailbox hold a message each.
        expect(await control.zcard("asgijobs")).toBe(1);
        expect(await control.zcard("asgispecific.listener!")).toBe(1);
        control.disconnect();
      }
    });
  });
});
