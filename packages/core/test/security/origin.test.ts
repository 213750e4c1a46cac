// A cross-site WebSocket is refused by the real server with a 403; the same-origin page connects.
import {
  type Application,
  AsyncWebsocketConsumer,
  OriginValidator,
  ProtocolTypeRouter,
} from "@channels-ts/core";
import { type RunningServer, serve } from "@channels-ts/core/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeSocket, handshake } from "./ws-client";

class EchoConsumer extends AsyncWebsocketConsumer {
  override async receive(text?: string) {
    await this.send(`echo:${text}`);
  }
}

let server: RunningServer;
let wsUrl: string;

beforeAll(async () => {
  // The allowed origin is the server's own, which is known once it listens on its free port.
  let guarded: Application | undefined;
  const app = ProtocolTypeRouter({ websocket: (scope, receive, send) => guarded!(scope, receive, send) });
  server = await serve(app, { host: "127.0.0.1", port: 0, logger: null });
  guarded = OriginValidator(EchoConsumer.asAsgi(), [server.url]);
  wsUrl = `${server.url.replace(/^http/, "ws")}/ws/`;
});

afterAll(async () => {
  await server?.close();
});

describe("OriginValidator behind the real server", () => {
  it("lets the same-origin page connect and talk", async () => {
    const result = await handshake(wsUrl, [], { origin: server.url });
    expect(result.kind).toBe("open");
    if (result.kind !== "open") return;
    result.socket.send("hi");
    expect(await result.inbox.next()).toBe("echo:hi");
    await closeSocket(result.socket);
  });

  it("refuses a foreign origin with an HTTP 403 and a short body", async () => {
    const result = await handshake(wsUrl, [], { origin: "https://evil.example" });
    expect(result).toMatchObject({ kind: "refused", status: 403, body: "Forbidden: origin not allowed" });
  });

  it("refuses the same host on another port: a different origin", async () => {
    const otherPort = server.port === 65_535 ? 65_534 : server.port + 1;
    const result = await handshake(wsUrl, [], { origin: `http://127.0.0.1:${otherPort}` });
    expect(result).toMatchObject({ kind: "refused", status: 403 });
  });

  it("refuses a client that sends no Origin", async () => {
    // The ws client sends no Origin header unless told to.
    const result = await handshake(wsUrl);
    expect(result).toMatchObject({ kind: "refused", status: 403 });
  });
});
