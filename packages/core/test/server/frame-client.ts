// A WebSocket client that writes raw RFC 6455 frames, over an HTTP/1.1 upgrade or an HTTP/2
// extended CONNECT stream (RFC 8441), so one test can send the same hostile bytes over both
// transports. It reads the server's frames with ws's Receiver, counts pongs and, like a real
// client, answers a close frame with one and ends its side.

import type { EventEmitter } from "node:events";
import { connect as connectHttp2 } from "node:http2";
import { connect as connectTcp } from "node:net";
import type { Duplex } from "node:stream";
import * as ws from "ws";
import { type Closed, deferred, within } from "./helpers";

const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): boolean };
};

export type Transport = "HTTP/1.1" | "HTTP/2";
export const TRANSPORTS: readonly Transport[] = ["HTTP/1.1", "HTTP/2"];

/** One client frame: masked with a zero key unless `masked` is false (which a server must refuse). */
export function frame(
  opcode: number,
  payload: Buffer = Buffer.alloc(0),
  { fin = true, masked = true } = {},
): Buffer {
  const length = payload.length;
  const first = (fin ? 0x80 : 0) | opcode;
  const mask = masked ? 0x80 : 0;
  let head: Buffer;
  if (length < 126) head = Buffer.from([first, mask | length]);
  else if (length < 65_536) head = Buffer.from([first, mask | 126, length >> 8, length & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = mask | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat(masked ? [head, Buffer.alloc(4), payload] : [head, payload]);
}

export interface FrameClient {
  readonly transport: Transport;
  /** The TCP socket or HTTP/2 stream the frames go over. */
  readonly duplex: Duplex;
  readonly messages: Array<string | Buffer>;
  /** Pongs the server sent. */
  pongs: number;
  write(bytes: Buffer): void;
  /** The close frame the server sent; 1006 when the connection ended without one. */
  readonly closed: Promise<Closed>;
  /** The socket or stream is closed. */
  readonly ended: Promise<void>;
}

function speak(transport: Transport, duplex: Duplex, head: Buffer, ended: Promise<void>): FrameClient {
  const closed = deferred<Closed>();
  const client: FrameClient = {
    transport,
    duplex,
    messages: [],
    pongs: 0,
    write: (bytes) => {
      if (!duplex.destroyed) duplex.write(bytes);
    },
    closed: closed.promise,
    ended,
  };
  const receiver = new Receiver({ isServer: false });
  receiver.on("message", (data: Buffer, isBinary: boolean) =>
    client.messages.push(isBinary ? data : data.toString()),
  );
  receiver.on("pong", () => client.pongs++);
  receiver.on("conclude", (code: number, reason: Buffer) => {
    closed.resolve({ code, reason: reason.toString() });
    // A real client answers the closing handshake and ends its side (RFC 6455 §5.5.1, RFC 8441 §5).
    if (!duplex.destroyed) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code === 1005 ? 1000 : code, 0);
      duplex.end(frame(0x8, payload));
    }
  });
  receiver.on("error", () => closed.resolve({ code: 1006, reason: "" }));
  duplex.on("data", (chunk: Buffer) => receiver.write(chunk));
  duplex.on("error", () => {});
  void ended.then(() => closed.resolve({ code: 1006, reason: "" }));
  if (head.length > 0) receiver.write(head);
  return client;
}

async function openHttp1(port: number, path: string): Promise<FrameClient> {
  const socket = connectTcp(port, "127.0.0.1");
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  const head = await within(
    new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const end = got.indexOf("\r\n\r\n");
        if (end === -1) return;
        socket.off("data", onData);
        const status = got.subarray(0, end).toString().split(" ")[1];
        if (status !== "101") reject(new Error(`handshake answered ${status}`));
        else resolve(got.subarray(end + 4));
      };
      socket.on("data", onData);
      socket.once("close", () => reject(new Error("closed during the handshake")));
    }),
    5_000,
    "101",
  );
  return speak("HTTP/1.1", socket, head, ended);
}

async function openHttp2(port: number, path: string): Promise<FrameClient> {
  const session = connectHttp2(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  await within(
    new Promise<void>((resolve) => session.once("remoteSettings", () => resolve())),
    5_000,
    "SETTINGS",
  );
  const stream = session.request(
    {
      ":method": "CONNECT",
      ":protocol": "websocket",
      ":path": path,
      ":scheme": "http",
      "sec-websocket-version": "13",
    },
    { endStream: false },
  );
  const ended = new Promise<void>((resolve) =>
    stream.once("close", () => {
      session.close();
      resolve();
    }),
  );
  const response = await within(
    new Promise<Record<string, unknown>>((resolve, reject) => {
      stream.once("response", resolve);
      stream.once("error", reject);
    }),
    5_000,
    `the answer to CONNECT ${path}`,
  );
  if (response[":status"] !== 200) throw new Error(`CONNECT answered ${String(response[":status"])}`);
  return speak("HTTP/2", stream, Buffer.alloc(0), ended);
}

/** A WebSocket on `path` of a server on `port`: an HTTP/1.1 upgrade, or an h2c extended CONNECT. */
export function openFrameClient(transport: Transport, port: number, path = "/ws/"): Promise<FrameClient> {
  return transport === "HTTP/1.1" ? openHttp1(port, path) : openHttp2(port, path);
}

/** `serve()` options for the transport: cleartext HTTP/1.1, or h2c. */
export function transportOptions(transport: Transport): { http2?: "h2c" } {
  return transport === "HTTP/1.1" ? {} : { http2: "h2c" };
}
