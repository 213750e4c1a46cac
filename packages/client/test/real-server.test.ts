// The client on Node 20 (ws's WebSocket class) against a real channels-ts server process.
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type ChannelSocket, type CloseInfo, connect } from "../src/index";
import type { EchoProtocol } from "./fixtures/echo-server";
import { killAllServers, reach, startServer, within } from "./server-process";

const sockets: ChannelSocket<EchoProtocol>[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
  killAllServers();
});

function open(port: number, options: Parameters<typeof connect<EchoProtocol>>[1] = {}) {
  const socket = connect<EchoProtocol>(`http://127.0.0.1:${port}/ws/echo/`, {
    WebSocket,
    reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
    ...options,
  });
  sockets.push(socket);
  const echoes: Array<{ echo: string; pid: number }> = [];
  const arrivals: Array<() => void> = [];
  socket.on("message", (message) => {
    echoes.push(message);
    for (const arrived of arrivals.splice(0)) arrived();
  });
  /** Resolves once an echo of `text` arrived. */
  const echoOf = async (text: string) => {
    while (!echoes.some((e) => e.echo === text)) await new Promise<void>((r) => arrivals.push(r));
    return echoes.find((e) => e.echo === text)!;
  };
  return { socket, echoes, echoOf };
}

describe("against a real server process", () => {
  it.each(["SIGTERM", "SIGKILL"] as const)(
    "reconnects after the server process restarts on the same port (%s) and sends what was queued once",
    async (signal) => {
      const first = await startServer();
      const { socket, echoes, echoOf } = open(first.port);
      await reach(socket, "open");
      socket.send({ text: "before" });
      expect((await echoOf("before")).pid).toBe(first.pid);

      const lost = reach(socket, "reconnecting");
      await first.stop(signal);
      await lost;
      expect(socket.send({ text: "while down" })).toBe(true);
      const reply = socket.request({ whoAreYou: true }, { timeoutMs: 30_000 });

      const second = await startServer(first.port);
      await within(reach(socket, "open"), 15_000, "the reconnect");
      expect((await echoOf("while down")).pid).toBe(second.pid);
      expect(await reply).toEqual({ pid: second.pid });
      socket.send({ text: "after" });
      await echoOf("after");
      expect(echoes.map((e) => e.echo)).toEqual(["before", "while down", "after"]);
    },
    60_000,
  );

  it("detects a half-open connection (the server stops answering without closing) within the silence timeout", async () => {
    const server = await startServer();
    const heartbeat = { intervalMs: 400, timeoutMs: 400 };
    const { socket, echoOf } = open(server.port, { heartbeat });
    await reach(socket, "open");
    // A reply proves the server's hello came first: the heartbeat is on.
    expect(await socket.request({ whoAreYou: true })).toEqual({ pid: server.pid });
    expect(socket.envelope).toBe(true);

    const closed = new Promise<CloseInfo>((resolve) => socket.on("close", resolve));
    process.kill(server.pid, "SIGSTOP"); // alive to TCP, silent to the client: nothing closes
    try {
      // Silence is noticed after intervalMs, declared dead timeoutMs later; 1 s of slack for a busy machine.
      const info = await within(closed, heartbeat.intervalMs + heartbeat.timeoutMs + 1000, "the detection");
      expect(info).toEqual({ code: 1006, reason: "no heartbeat reply", willReconnect: true });
      expect(socket.state).toBe("reconnecting");
    } finally {
      process.kill(server.pid, "SIGCONT");
    }
    await within(reach(socket, "open"), 15_000, "the reconnect");
    socket.send({ text: "alive again" });
    await echoOf("alive again");
  }, 60_000);

  it("stops for good after a close code that says so", async () => {
    const server = await startServer();
    const { socket } = open(server.port, { noReconnectCodes: [1001] });
    await reach(socket, "open");
    const closed = new Promise<CloseInfo>((resolve) => socket.on("close", resolve));
    await server.stop("SIGTERM"); // a graceful shutdown closes with 1001
    expect(await closed).toMatchObject({ code: 1001, willReconnect: false });
    expect(socket.state).toBe("closed");
  }, 60_000);
});
