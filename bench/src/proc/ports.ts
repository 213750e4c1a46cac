// Free loopback ports, and waiting until a child listens on one.
import { Socket } from "node:net";
import { freePort } from "@channels-ts/test-support";
import type { Child } from "./child";

export { freePort };

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** Resolves with `port` once it accepts connections; rejects if the child exits or time runs out. */
export async function waitForPort(child: Child, port: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.label} exited (${child.process.exitCode}):\n${child.output()}`);
    if (await accepts(port)) return port;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${child.label} did not listen on ${port} within ${timeoutMs} ms:\n${child.output()}`);
}
