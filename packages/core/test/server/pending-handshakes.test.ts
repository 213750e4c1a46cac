// Handshakes waiting for the application are bounded: in number (maxPendingHandshakes, past which
// new ones get 503 with Retry-After) and in what each client may send before its answer (16 KiB).
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import type { Application } from "../../src/protocol/types";
import { MAX_EARLY_BYTES } from "../../src/server/websocket/websocket-instance";
import { frame, TRANSPORTS, type Transport, transportOptions } from "./frame-client";
import { deferred, Recorder, start, within } from "./helpers";

/** Records each handshake and never answers it until `release`. */
function waitingApp(rec: Recorder, release: Promise<void>): Application {
  return async (scope, receive, send) => {
    rec.scopes.push(scope);
    rec.record(await receive());
    await release;
    await send({ type: "websocket.accept" });
    rec.record(await receive());
  };
}

interface Handshake {
  /** The status the server answered with (101 / 200 when accepted). */
  status: Promise<{ status: number; retryAfter: string | undefined }>;
  /** The connection or stream closed. */
  ended: Promise<void>;
  close(): void;
}

/** Starts a WebSocket handshake without waiting for its answer, sending `early` right after it. */
function handshake(transport: Transport, port: number, early: Buffer = Buffer.alloc(0)): Handshake {
  if (transport === "HTTP/1.1") {
    const socket: Socket = connectTcp(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write(
      `GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    if (early.length > 0) socket.write(early);
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    const status = new Promise<{ status: number; retryAfter: string | undefined }>((resolve) => {
      let got = "";
      socket.on("data", (data: Buffer) => {
        got += data.toString("latin1");
        const end = got.indexOf("\r\n\r\n");
        if (end === -1) return;
        const retry = /retry-after: (\S+)/i.exec(got.slice(0, end));
        resolve({ status: Number(got.split(" ")[1]), retryAfter: retry?.[1] });
      });
    });
    return { status, ended, close: () => socket.destroy() };
  }
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  const stream = session.request(
    {
      ":method": "CONNECT",
      ":protocol": "websocket",
      ":path": "/ws/",
      ":scheme": "http",
      "sec-websocket-version": "13",
    },
    { endStream: false },
  );
  stream.on("error", () => {});
  if (early.length > 0) stream.write(early);
  const ended = new Promise<void>((resolve) => stream.once("close", () => resolve()));
  const status = new Promise<{ status: number; retryAfter: string | undefined }>((resolve) =>
    stream.once("response", (headers) =>
      resolve({
        status: Number(headers[":status"]),
        retryAfter: headers["retry-after"] as string | undefined,
      }),
    ),
  );
  return { status, ended, close: () => session.destroy() };
}

describe.each(TRANSPORTS)("pending WebSocket handshakes over %s", (transport) => {
  it("past maxPendingHandshakes a handshake gets 503 with Retry-After; the waiting ones go on", async () => {
    const rec = new Recorder();
    const release = deferred();
    const server = await start(waitingApp(rec, release.promise), {
      ...transportOptions(transport),
      maxPendingHandshakes: 2,
    });
    const waiting = [handshake(transport, server.port), handshake(transport, server.port)];
    await rec.until(() => rec.scopes.length === 2, "two handshakes waiting");
    const refused = handshake(transport, server.port);
    expect(await within(refused.status)).toEqual({ status: 503, retryAfter: "1" });
    expect(rec.scopes).toHaveLength(2);
    expect(server.logger.has("warn", "maxPendingHandshakes")).toBe(true);
    release.resolve();
    const accepted = transport === "HTTP/1.1" ? 101 : 200;
    for (const h of waiting) expect((await within(h.status)).status).toBe(accepted);
    // The waiting ones are answered: a new handshake is served again.
    const later = handshake(transport, server.port);
    expect((await within(later.status)).status).toBe(accepted);
    for (const h of [...waiting, refused, later]) h.close();
  });

  it("a client sending more than the early-bytes bound before its answer is dropped; the app gets 1006", async () => {
    const rec = new Recorder();
    const neverAccepts: Application = async (scope, receive) => {
      rec.scopes.push(scope);
      rec.record(await receive());
      rec.record(await receive());
    };
    const server = await start(neverAccepts, transportOptions(transport));
    // Frames sent before the handshake's answer, which RFC 6455 forbids: twice the bound.
    const early = frame(0x2, Buffer.alloc(2 * MAX_EARLY_BYTES));
    const h = handshake(transport, server.port, early);
    await within(h.ended);
    expect(await rec.event("websocket.disconnect")).toMatchObject({ code: 1006 });
  });
});
