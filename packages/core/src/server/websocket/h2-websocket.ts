import type { ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { http2Headers } from "../http-versions";
import type { AcceptDecision } from "./handshake";

/**
 * WebSockets over HTTP/2 (RFC 8441): the one place that relies on ws internals. ws makes its
 * server-side sockets in `WebSocketServer.completeUpgrade` as `new WebSocket(null, undefined,
 * options)` followed by `setSocket(socket, head, options)`, which takes any Duplex; here the
 * Duplex is the HTTP/2 stream of an extended CONNECT. Neither call is in ws's type declarations,
 * so `h2-websocket.test.ts` runs a frame each way through this file: a ws upgrade that changes
 * them fails that test, not a user's connection.
 */

/**
 * What ws's server makes each socket with (`WebSocketServer#options`): passing the same object
 * gives a WebSocket over HTTP/2 the very limits and timeouts of one over HTTP/1.1.
 */
export interface SocketOptions {
  allowSynchronousEvents?: boolean;
  autoPong?: boolean;
  closeTimeout?: number;
  maxBufferedChunks?: number;
  maxFragments?: number;
  maxPayload?: number;
  maxPendingAutoPongs?: number;
  skipUTF8Validation?: boolean;
}

type ServerSideWebSocket = WebSocket & {
  setSocket(socket: Duplex, head: Buffer, options: SocketOptions): void;
};

const ServerSideWebSocket = WebSocket as unknown as new (
  address: null,
  protocols: undefined,
  options: SocketOptions,
) => ServerSideWebSocket;

/** A server-side ws WebSocket framing over `socket`, whose handshake is already done. */
export function webSocketOver(socket: Duplex, head: Buffer, options: SocketOptions): WebSocket {
  const ws = new ServerSideWebSocket(null, undefined, options);
  if (typeof ws.setSocket !== "function") {
    throw new Error(
      "This version of ws has no WebSocket#setSocket, which WebSockets over HTTP/2 (RFC 8441) use: install the ws version @channels-ts/core declares.",
    );
  }
  // The options ws's own server passes (WebSocketServer#completeUpgrade).
  ws.setSocket(socket, head, {
    allowSynchronousEvents: options.allowSynchronousEvents,
    maxBufferedChunks: options.maxBufferedChunks,
    maxFragments: options.maxFragments,
    maxPayload: options.maxPayload,
    skipUTF8Validation: options.skipUTF8Validation,
  });
  return ws;
}

/**
 * Accepts an extended CONNECT: the stream becomes the WebSocket once answered with 200 (no
 * Sec-WebSocket-Accept; the stream is already this client's), and ws frames over it. `null` when
 * the client reset the stream meanwhile.
 */
export function acceptOnStream(
  stream: ServerHttp2Stream,
  head: Buffer,
  decision: AcceptDecision,
  options: SocketOptions,
): WebSocket | null {
  if (stream.destroyed || stream.closed) return null;
  const headers = http2Headers(200, decision.headers);
  if (decision.subprotocol !== null) headers["sec-websocket-protocol"] = decision.subprotocol;
  stream.respond(headers);
  return webSocketOver(stream, head, options);
}
