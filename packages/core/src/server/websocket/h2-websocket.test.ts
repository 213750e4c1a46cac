import { once } from "node:events";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server, Socket } from "node:net";
import { join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { webSocketOver } from "./h2-websocket";

// The RFC 8441 adapter leans on ws internals (`new WebSocket(null, …)` + `setSocket`). These tests
// run it over a plain TCP socket whose handshake is "already done", as an HTTP/2 stream's is, and
// check frames both ways byte for byte: a ws release that changes those internals fails here.

/** A client-to-server frame (masked, as RFC 6455 requires of clients). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x80 | opcode]), length, mask, masked]);
}

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

async function pair(maxPayload: number): Promise<{ ws: WebSocket; client: Socket; bytes: () => Buffer }> {
  const accepted = new Promise<WebSocket>((resolve) => {
    // The options object ws's server makes its own sockets with, as WebSocketProtocol passes it.
    const options = new WebSocketServer({ noServer: true, maxPayload }).options;
    server = createServer((socket) => resolve(webSocketOver(socket, Buffer.alloc(0), options)));
  });
  const listening = server as unknown as Server;
  listening.listen(0, "127.0.0.1");
  await once(listening, "listening");
  const port = (listening.address() as { port: number }).port;
  const client = new Socket();
  let received = Buffer.alloc(0);
  client.on("data", (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
  });
  client.connect(port, "127.0.0.1");
  return { ws: await accepted, client, bytes: () => received };
}

describe("webSocketOver (RFC 8441 adapter on ws internals)", () => {
  it("reads masked client frames and writes unmasked server frames on a socket ws did not upgrade", async () => {
    const { ws, client, bytes } = await pair(1024);
    const message = once(ws, "message");
    client.write(clientFrame(0x1, Buffer.from("hi")));
    const [data, isBinary] = (await message) as [Buffer, boolean];
    expect(isBinary).toBe(false);
    expect(data.toString()).toBe("hi");

    const sent = new Promise<void>((resolve) => ws.send("yo", () => resolve()));
    await sent;
    while (bytes().length < 4) await once(client, "data");
    expect([...bytes().subarray(0, 4)]).toEqual([0x81, 0x02, 0x79, 0x6f]);
    client.destroy();
  });

  it("applies maxPayload: a larger message closes with 1009", async () => {
    const { ws, client, bytes } = await pair(16);
    // events.once would reject on the 'error' that precedes the close.
    const closed = new Promise((resolve) => ws.on("close", resolve));
    ws.on("error", () => {});
    client.write(clientFrame(0x2, Buffer.alloc(64)));
    await closed;
    while (bytes().length < 4) await once(client, "data");
    // A close frame (0x88) whose code is 1009 (0x03f1).
    expect(bytes()[0]).toBe(0x88);
    expect(bytes().readUInt16BE(2)).toBe(1009);
    client.destroy();
  });
});

describe("ws internals", () => {
  it("are used in h2-websocket.ts only", () => {
    const server = join(__dirname, "..");
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
      });
    const users = files(server)
      .filter((file) => !file.endsWith(".test.ts"))
      .filter((file) => /setSocket|completeUpgrade|new \w*WebSocket\(null/.test(readFileSync(file, "utf8")))
      .map((file) => relative(server, file));
    expect(users).toEqual(["websocket/h2-websocket.ts"]);
  });
});
