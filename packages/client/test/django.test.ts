// Plain mode against Django: the client talks to a real Django Channels AsyncJsonWebsocketConsumer
// under Daphne, which knows nothing of the envelope. Frames must be exactly the app's JSON.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "@channels-ts/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type CloseInfo, connect } from "../src/index";
import { reach, within } from "./server-process";

const PYTHON = "/usr/bin/python3";
const projectDir = fileURLToPath(new URL("./fixtures/django/", import.meta.url));

function daphneSkipReason(): string | undefined {
  try {
    execFileSync(PYTHON, ["-c", "import daphne, channels, django"], { stdio: "pipe" });
    return undefined;
  } catch {
    const message = "Daphne is not installed: install python3-daphne and python3-django-channels";
    if (process.env.CI) throw new Error(message);
    return message;
  }
}

const skipReason = daphneSkipReason();
if (skipReason) console.warn(`client Django test skipped: ${skipReason}`);

let daphne: ChildProcess | undefined;
let url = "";

type EchoProtocol = {
  clientSends: { text?: string; $ch?: string; close?: number; frames?: true };
  serverSends: { echo: unknown } | { frames: string[] };
};

describe.skipIf(skipReason !== undefined)("the client against Django Channels under Daphne", () => {
  beforeAll(async () => {
    const port = await freePort();
    daphne = spawn(
      PYTHON,
      ["-m", "daphne", "-b", "127.0.0.1", "-p", String(port), "clientsite.asgi:application"],
      {
        cwd: projectDir,
        env: { ...process.env, PYTHONPATH: projectDir, DJANGO_SETTINGS_MODULE: "clientsite.settings" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    await within(
      new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("Listening on TCP address")) resolve();
        };
        daphne!.stdout!.on("data", onData);
        daphne!.stderr!.on("data", onData);
        daphne!.once("exit", (code) => reject(new Error(`Daphne exited (${code}):\n${output}`)));
      }),
      30_000,
      "Daphne's start",
    );
    url = `ws://127.0.0.1:${port}/ws/echo/`;
  }, 60_000);
  afterAll(() => {
    daphne?.kill("SIGKILL");
  });

  it("sends and receives the app's JSON exactly, with no envelope, no hello, no heartbeat", async () => {
    const socket = connect<EchoProtocol>(url, { WebSocket, heartbeat: { intervalMs: 50, timeoutMs: 50 } });
    const arrived: Array<(m: unknown) => void> = [];
    socket.on("message", (m) => arrived.shift()?.(m));
    const nextMessage = () => new Promise<unknown>((resolve) => arrived.push(resolve));
    // Queued before the connection opens, flushed on open.
    socket.send({ text: "hello Django" });
    await reach(socket, "open");
    expect(await nextMessage()).toEqual({ echo: { text: "hello Django" } });
    // An app object carrying "$ch" is the app's own in plain mode, both ways.
    socket.send({ $ch: "ping" });
    expect(await nextMessage()).toEqual({ echo: { $ch: "ping" } });
    expect(socket.envelope).toBe(false);
    // Six heartbeat intervals: a plain server gets no pings (an absence, so there is no event to await).
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.send({ frames: true });
    expect(await nextMessage()).toEqual({
      frames: ['{"text":"hello Django"}', '{"$ch":"ping"}', '{"frames":true}'],
    });
    expect(socket.state).toBe("open");
    socket.close();
  });

  it("stops reconnecting after the Django consumer closes with 4003", async () => {
    const socket = connect<EchoProtocol>(url, { WebSocket });
    await reach(socket, "open");
    const closed = new Promise<CloseInfo>((resolve) => socket.on("close", resolve));
    socket.send({ close: 4003 });
    expect(await closed).toMatchObject({ code: 4003, willReconnect: false });
    expect(socket.state).toBe("closed");
  });

  it("reconnects after Django closes with a code that allows it", async () => {
    const socket = connect<EchoProtocol>(url, {
      WebSocket,
      reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
    });
    await reach(socket, "open");
    const reconnecting = reach(socket, "reconnecting");
    socket.send({ close: 4000 });
    await reconnecting;
    await reach(socket, "open");
    socket.close();
  });
});
