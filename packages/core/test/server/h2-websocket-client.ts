// A minimal RFC 8441 client for tests: opens a WebSocket as an HTTP/2 extended CONNECT stream and
// speaks RFC 6455 frames over it (masked, as a client must), reading the server's with ws's Receiver.

import type { EventEmitter } from "node:events";
import { type ClientHttp2Session, type ClientHttp2Stream, constants } from "node:http2";
import * as ws from "ws";
import { type Closed, deferred, within } from "./helpers";

export interface H2WebSocket {
  stream: ClientHttp2Stream;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The response body, for a handshake answered with anything but 200. */
  body(): Promise<string>;
  messages: Array<string | Buffer>;
  /** Resolves with the first `count` messages once they arrived. */
  received(count: number): Promise<Array<string | Buffer>>;
  sendText(text: string): void;
  sendBinary(bytes: Uint8Array): void;
  /** Sends a close frame. */
  close(code: number, reason?: string): void;
  /** The close frame the server sent (1005 without a code; 1006 if the stream ended without one). */
  closed: Promise<Closed>;
}

// ws's frame parser (exported, not in its type declarations).
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => EventEmitter & { write(chunk: Buffer): boolean };
};

/** A client frame, masked with a zero key (RFC 6455 requires a mask, not a secret one). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, 0x80 | length])
      : Buffer.from([0x80 | opcode, 0x80 | 126, length >> 8, length & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

export async function openH2WebSocket(
  session: ClientHttp2Session,
  path: string,
  { subprotocols = [] as string[], version = "13", scheme = "https" } = {},
): Promise<H2WebSocket> {
  const headers: Record<string, string> = {
    ":method": "CONNECT",
    ":protocol": "websocket",
    ":path": path,
    ":scheme": scheme,
    "sec-websocket-version": version,
  };
  if (subprotocols.length > 0) headers["sec-websocket-protocol"] = subprotocols.join(", ");
  await within(
    new Promise<void>((resolve) => {
      if (session.remoteSettings.enableConnectProtocol) resolve();
      else session.once("remoteSettings", () => resolve());
    }),
    5_000,
    "the server's SETTINGS",
  );
  const stream = session.request(headers, { endStream: false });
  const response = await within(
    new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      stream.once("response", resolve);
      stream.once("error", reject);
    }),
    5_000,
    `the answer to CONNECT ${path}`,
  );
  const status = Number(response[constants.HTTP2_HEADER_STATUS]);
  const messages: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  const closed = deferred<Closed>();
  let closeSent = false;
  const socket: H2WebSocket = {
    stream,
    status,
    headers: response,
    body: () =>
      within(
        new Promise<string>((resolve) => {
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.once("end", () => resolve(Buffer.concat(chunks).toString()));
        }),
      ),
    messages,
    received: (count) =>
      within(
        new Promise((resolve) => {
          const check = () => {
            if (messages.length >= count) resolve(messages.slice(0, count));
            else waiters.push(check);
          };
          check();
        }),
        5_000,
        `${count} messages`,
      ),
    sendText: (text) => stream.write(frame(0x1, Buffer.from(text))),
    sendBinary: (bytes) => stream.write(frame(0x2, Buffer.from(bytes))),
    close: (code, reason = "") => {
      closeSent = true;
      const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
      payload.writeUInt16BE(code, 0);
      payload.write(reason, 2);
      stream.write(frame(0x8, payload));
    },
    closed: closed.promise,
  };
  if (status !== 200) return socket;
  const receiver = new Receiver({ isServer: false });
  receiver.on("message", (data: Buffer, isBinary: boolean) => {
    messages.push(isBinary ? data : data.toString());
    for (const wake of waiters.splice(0)) wake();
  });
  receiver.on("conclude", (code: number, reason: Buffer) => {
    closed.resolve({ code, reason: reason.toString() });
    // As a real client does: answer the closing handshake (unless it began it), then end the
    // stream (RFC 8441 §5: END_STREAM is the TCP FIN of RFC 6455), which lets the server close it.
    if (stream.destroyed) return;
    if (!closeSent) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code === 1005 ? 1000 : code, 0);
      stream.write(frame(0x8, payload));
    }
    stream.end();
  });
  receiver.on("error", (error: Error) => closed.reject(error));
  stream.on("data", (chunk: Buffer) => receiver.write(chunk));
  stream.once("close", () => closed.resolve({ code: 1006, reason: "" }));
  return socket;
}
