/**
 * Drives the real Python channels_redis layer through py_layer_probe.py (beside this file), for the
 * interop tests. Bytes travel as {"__bytes_b64__": …} in the probe's JSON.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PYTHON = process.env.CHANNELS_PYTHON ?? "/usr/bin/python3";
// The probe (py_layer_probe.py) lives beside this file, so CI needs nothing outside the repo.
export const PROBE =
  process.env.PY_LAYER_PROBE ?? fileURLToPath(new URL("./py_layer_probe.py", import.meta.url));

/** Why the interop tests cannot run here (no probe or no python3-channels-redis); throws under CI. */
export function pythonProbeSkipReason(): string | undefined {
  let reason: string | undefined;
  if (!existsSync(PROBE)) reason = `the interop probe is missing at ${PROBE} (set PY_LAYER_PROBE)`;
  else {
    try {
      execFileSync(PYTHON, ["-c", "import channels_redis.core, channels_redis.pubsub, cryptography"], {
        stdio: "ignore",
      });
    } catch {
      reason =
        "Python channels_redis is not installed: apt-get install python3-channels-redis python3-cryptography";
    }
  }
  if (reason && process.env.CI) throw new Error(reason);
  return reason;
}

export interface ProbeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The probe's global options (before the command). */
export interface ProbeOptions {
  urls: string[];
  prefix?: string;
  capacity?: number;
  keys?: string[];
  pubsub?: boolean;
}

function globalArgs(options: ProbeOptions): string[] {
  const args = [PROBE];
  for (const url of options.urls) args.push("--url", url);
  if (options.prefix) args.push("--prefix", options.prefix);
  if (options.capacity !== undefined) args.push("--capacity", String(options.capacity));
  for (const key of options.keys ?? []) args.push("--key", key);
  if (options.pubsub) args.push("--pubsub");
  return args;
}

/** Runs one probe command to completion. */
export function probe(options: ProbeOptions, ...command: string[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(PYTHON, [...globalArgs(options), ...command], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON lines a probe printed. */
export function jsonLines(result: ProbeResult): unknown[] {
  return result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as unknown);
}

/**
 * Starts `new-channel TIMEOUT GROUP…`: a Python consumer stand-in. Resolves with its channel name
 * once printed, and `message` resolves with the one message it receives (or null on timeout).
 */
export async function pythonConsumer(
  options: ProbeOptions,
  groups: string[] = [],
  timeoutS = 15,
): Promise<{ channel: string; message: Promise<unknown | null> }> {
  const child = spawn(PYTHON, [...globalArgs(options), "new-channel", String(timeoutS), ...groups], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const channel = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf("\n");
      if (newline !== -1) resolve(stdout.slice(0, newline));
    });
    exited.then((code) => reject(new Error(`probe exited (${code}) before printing a channel: ${stderr}`)));
  });
  const message = exited.then((code) => {
    if (code === 2) return null;
    if (code !== 0) throw new Error(`probe new-channel failed (${code}): ${stderr}`);
    const line = stdout.split("\n")[1] ?? "";
    return JSON.parse(line) as unknown;
  });
  return { channel, message };
}

/** Base64 bytes as the probe writes them. */
export const b64 = (bytes: Uint8Array) => ({ __bytes_b64__: Buffer.from(bytes).toString("base64") });
