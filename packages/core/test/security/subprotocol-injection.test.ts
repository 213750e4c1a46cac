// Security: a client must not get headers into the handshake response through the subprotocols it
// offers. Consumers commonly accept what was offered (`accept(this.scope.subprotocols[0])`), so the
// server keeps offered subprotocols byte for byte and only writes RFC 6455 tokens.
import { connect as tcpConnect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AsyncWebsocketConsumer } from "../../src/consumers/index";
import { ProtocolTypeRouter } from "../../src/routing/index";
import { openH2WebSocket } from "../server/h2-websocket-client";
import { start, within } from "../server/helpers";
import { openSession } from "../server/tls-helpers";

const ATTACK = "chat%0D%0ASet-Cookie%3A%20sessionid%3Dattacker";

/** Accepts the first subprotocol offered: the common pattern the attack aims at. */
class FirstOffered extends AsyncWebsocketConsumer {
  override async connect() {
    await this.accept(this.scope.subprotocols[0] ?? null);
    await this.send(JSON.stringify(this.scope.subprotocols));
  }
}

/** Accepts the percent-decoded form of what was offered (what the server used to put in the scope). */
class Decoding extends AsyncWebsocketConsumer {
  override async connect() {
    await this.accept(decodeURIComponent(this.scope.subprotocols[0] as string));
  }
}

const app = (consumer: typeof FirstOffered) => ProtocolTypeRouter({ websocket: consumer.asAsgi() });

/** An HTTP/1.1 handshake over a raw socket: the response head exactly as the server wrote it. */
function rawHandshake(port: number, protocolHeader: string): Promise<string> {
  return within(
    new Promise<string>((resolve, reject) => {
      const socket = tcpConnect(port, "127.0.0.1");
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString("latin1");
        const end = data.indexOf("\r\n\r\n");
        if (end !== -1) {
          socket.destroy();
          resolve(data.slice(0, end));
        }
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(data));
      socket.write(
        "GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
          `Sec-WebSocket-Protocol: ${protocolHeader}\r\n\r\n`,
      );
    }),
    5_000,
    "handshake response",
  );
}

const sessions: Array<{ close(): void }> = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.close();
});

describe("subprotocols cannot inject response headers", () => {
  it("HTTP/1.1: an offered percent-encoded CRLF stays encoded; the 101 has no Set-Cookie", async () => {
    const server = await start(app(FirstOffered));
    const head = await rawHandshake(server.port, ATTACK);
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head).not.toMatch(/^set-cookie/im);
    expect(head).toContain(`Sec-WebSocket-Protocol: ${ATTACK}`);
  });

  it("HTTP/1.1: accepting a value that is not a token is refused with a clear error, and no header goes out", async () => {
    const server = await start(app(Decoding));
    const head = await rawHandshake(server.port, ATTACK);
    expect(head).toMatch(/^HTTP\/1\.1 500 /);
    expect(head).not.toMatch(/^set-cookie/im);
    await server.logger.waitFor("error", "Exception inside application");
    const line = server.logger.lines.find((l) => l.level === "error");
    expect(String(line?.error)).toMatch(/subprotocol must be one the client offered .*exactly as offered/);
  });

  it("HTTP/2 (RFC 8441): the offered value stays encoded and no Set-Cookie reaches the response", async () => {
    const server = await start(app(FirstOffered), { http2: "h2c" });
    const session = await openSession(server.url);
    sessions.push(session);
    const ws = await openH2WebSocket(session, "/ws/", { subprotocols: [ATTACK], scheme: "http" });
    expect(ws.status).toBe(200);
    expect(ws.headers["set-cookie"]).toBeUndefined();
    expect(ws.headers["sec-websocket-protocol"]).toBe(ATTACK);
    expect(await ws.received(1)).toEqual([JSON.stringify([ATTACK])]);
  });

  it("HTTP/2 (RFC 8441): an offered value that is not a token cannot be accepted", async () => {
    const server = await start(app(FirstOffered), { http2: "h2c" });
    const session = await openSession(server.url);
    sessions.push(session);
    const ws = await openH2WebSocket(session, "/ws/", { subprotocols: ["a b"], scheme: "http" });
    expect(ws.status).toBe(500);
    expect(ws.headers["sec-websocket-protocol"]).toBeUndefined();
    await server.logger.waitFor("error", "Exception inside application");
    const line = server.logger.lines.find((l) => l.level === "error");
    expect(String(line?.error)).toMatch(/subprotocol must be an RFC 6455 token/);
  });
});
