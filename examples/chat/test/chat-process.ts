// Runs the chat's real start script (src/main.ts) as a child process, as `pnpm chat` does.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const exampleDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

export interface ChatProcess {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, as a user's Ctrl-C) and waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts the chat and resolves once it printed the URL to open. */
export function startChat(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChatProcess> {
  const child: ChildProcess = spawn(tsx, ["src/main.ts"], {
    cwd: exampleDir,
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", CHAT_QUIET: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`The chat did not start within ${timeoutMs} ms. Output:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /open (https?:\/\/[^\s/]+:(\d+))\/chat\//.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve({
        url: match[1]!,
        port: Number(match[2]),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The chat exited with code ${code} before it started. Output:\n${output}`));
    });
  });
}
