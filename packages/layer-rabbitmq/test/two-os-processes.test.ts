/** Two real OS processes share a group through the broker: the test process and a tsx child. */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { receiveWithin } from "@channels-ts/layer-conformance";
import { missingRabbitMQ } from "@channels-ts/test-support";
import { useRabbitMQ } from "@channels-ts/test-support/vitest";
import { describe, expect, it } from "vitest";
import { RabbitMQChannelLayer } from "../src/index";

const missing = missingRabbitMQ();
if (missing) console.warn(`Skipping the RabbitMQ two-OS-process test: ${missing}`);

const TSX = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
const CHILD = fileURLToPath(new URL("./child-layer-process.ts", import.meta.url));
// The workspace tsconfig maps @channels-ts/* to their sources, as vitest's aliases do.
const TSCONFIG = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));

describe.skipIf(missing !== null)("two OS processes on one RabbitMQ", () => {
  const broker = useRabbitMQ();

  it("share a group both ways, and one process addresses the other's channel", {
    timeout: 60_000,
  }, async () => {
    const env = { ...process.env, RABBITMQ_URL: broker().url, PREFIX: "os", GROUP: "shared" };
    // Detached: its own process group, so tsx and the node it starts can be stopped together.
    const child = spawn(TSX, ["--tsconfig", TSCONFIG, CHILD], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const layer = new RabbitMQChannelLayer({ url: broker().url, prefix: "os" });
    try {
      const ready = await new Promise<{ ready: string; pid: number }>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.once("line", (line) => resolve(JSON.parse(line) as { ready: string; pid: number }));
        void exited.then((code) =>
          reject(new Error(`child exited (${code}) before it was ready:\n${stderr}`)),
        );
      });
      expect(ready.pid).not.toBe(process.pid);

      const mine = await layer.newChannel();
      await layer.groupAdd("shared", mine);
      await layer.groupSend("shared", { type: "hello", from: process.pid });
      // Our own copy, then the child's answer to its copy, through the broker.
      expect(await receiveWithin(layer, mine, 10_000)).toEqual({ type: "hello", from: process.pid });
      expect(await receiveWithin(layer, mine, 10_000)).toEqual({
        type: "hello.back",
        pid: ready.pid,
        to: process.pid,
      });

      await layer.send(ready.ready, { type: "exit" });
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null && child.pid)
        process.kill(-child.pid, "SIGKILL");
      await layer.close();
    }
  });
});
