import { createServer, type Server } from "node:http";
import { type AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { attach } from "../../src/server/index";
import { connect, deferred, echoApp, Recorder, start, within, withoutLifespan } from "./helpers";

// serve() and attach() decide alike which upgrades are WebSockets (`Upgrade: websocket`); other
// upgrades go to attach()'s host server's own listeners, and are refused with 400 (as ws would)
// when nothing else takes them.

const H2C_UPGRADE =
  "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";

/** Sends `request` on a fresh TCP connection and resolves with everything read until it closes. */
function exchange(port: number, request: string): Promise<string> {
  const socket = new Socket();
  const done = deferred<string>();
  let text = "";
  socket.on("data", (chunk) => {
    text += chunk.toString();
  });
  socket.on("close", () => done.resolve(text));
  socket.connect(port, "127.0.0.1", () => socket.write(request));
  return within(done.promise);
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function plainServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => res.end("plain"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe("upgrades that are not WebSockets", () => {
  it("serve() refuses them with 400, as ws would, before calling the app", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const response = await exchange(server.port, H2C_UPGRADE);
    expect(response).toMatch(/^HTTP\/1.1 400 /);
    expect(response).toContain("Invalid Upgrade header");
    expect(rec.scopes).toEqual([]);
  });

  it("attach() leaves them to the server's other upgrade listeners", async () => {
    const { server, port } = await plainServer();
    // Another library's listener: it takes its own protocol and leaves WebSockets alone.
    server.on("upgrade", (req, socket) => {
      if (req.headers.upgrade === "websocket") return;
      socket.end(
        `HTTP/1.1 418 I'm a teapot\r\nconnection: close\r\ncontent-length: ${req.headers.upgrade?.length}\r\n\r\n${req.headers.upgrade}`,
      );
    });
    const rec = new Recorder();
    const attached = attach(server, withoutLifespan(echoApp(rec)), { logger: null });
    await attached.ready;
    expect(await exchange(port, H2C_UPGRADE)).toMatch(/^HTTP\/1.1 418 [\s\S]*h2c$/);
    // WebSockets still reach the application.
    const client = await connect(`ws://127.0.0.1:${port}/`);
    client.ws.close();
    await client.closed;
    expect(rec.scopes).toHaveLength(1);
    await attached.close();
  });

  it("attach() refuses them with 400 when no other listener would answer", async () => {
    const { server, port } = await plainServer();
    const attached = attach(server, withoutLifespan(echoApp()), { logger: null });
    await attached.ready;
    const response = await exchange(port, H2C_UPGRADE);
    expect(response).toMatch(/^HTTP\/1.1 400 /);
    expect(response).toContain("Invalid Upgrade header");
    await attached.close();
  });
});

describe("an HTTP/1.1 upgrade whose request line says HTTP/2.0", () => {
  it("is still an HTTP/1.1 WebSocket handshake (the stream-less request is not taken for RFC 8441)", async () => {
    const rec = new Recorder();
    const server = await start(echoApp(rec));
    const socket = new Socket();
    const head = deferred<string>();
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n\r\n")) head.resolve(text);
    });
    socket.on("close", () => head.resolve(text));
    socket.connect(server.port, "127.0.0.1", () =>
      socket.write(
        "GET /ws/ HTTP/2.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ),
    );
    expect(await within(head.promise)).toMatch(/^HTTP\/1.1 101 /);
    expect(rec.scopes).toHaveLength(1);
    socket.destroy();
  });
});
