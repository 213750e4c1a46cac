import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Protocol, ProtocolHost } from "../connection";
import { respondOnStream, writePlainResponse, writeRawResponse } from "../responses";
import { requestPartsOrRefuse } from "../scope";
import { acceptOnStream, type SocketOptions } from "./h2-websocket";
import { type AcceptDecision, checkExtendedConnect, checkUpgrade } from "./handshake";
import { WebSocketInstance, type WebSocketOwner } from "./websocket-instance";
import { WriteCoalescer } from "./write-coalescer";

const CONNECT = Object.freeze({ type: "websocket.connect" as const });
const BUSY = "Too many WebSocket handshakes in progress; retry shortly.";
const RETRY = Object.freeze({ "retry-after": "1" });

/**
 * WebSockets, over HTTP/1.1 upgrades and HTTP/2 extended CONNECT (RFC 8441). Owns ws's server
 * (whose options make the sockets of both transports), the handshakes waiting for the
 * application, the open sockets (for keepalive and shutdown) and the write coalescer.
 */
export class WebSocketProtocol implements Protocol, WebSocketOwner {
  readonly writes = new WriteCoalescer();
  readonly deadlineMs: number;
  /** WebSockets waiting for the application to accept, close or deny. */
  private readonly handshakes = new Set<WebSocketInstance>();
  private busyWarned = false;
  /** Open (accepted) WebSockets. */
  private readonly sockets = new Set<WebSocketInstance>();
  private readonly wss: WebSocketServer;
  /** The application's `websocket.accept`, read back by ws's hooks while it completes the upgrade. */
  private readonly decisions = new WeakMap<IncomingMessage, AcceptDecision>();

  constructor(readonly host: ProtocolHost) {
    const o = host.options;
    this.deadlineMs = Math.min(
      o.handshakeTimeoutMs,
      o.pingIntervalMs > 0 ? o.pingIntervalMs : Number.POSITIVE_INFINITY,
      o.pingTimeoutMs,
    );
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: o.maxMessageBytes,
      perMessageDeflate: o.perMessageDeflate,
      // The client offered protocols but the app chose none: answer without the header (RFC 6455).
      handleProtocols: (_offered, req) => this.decisions.get(req)?.subprotocol ?? false,
    });
    this.wss.on("headers", (headers, req) => {
      const flat = this.decisions.get(req)?.headers;
      if (flat !== undefined)
        for (let i = 0; i + 1 < flat.length; i += 2) headers.push(`${flat[i]}: ${flat[i + 1]}`);
    });
  }

  /** An HTTP/1.1 upgrade request (`isWebSocketUpgrade`; anything else is refused as ws would). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.host.closing) {
      writeRawResponse(socket, 503, "Server is shutting down.");
      return;
    }
    if (this.busy()) {
      writeRawResponse(socket, 503, BUSY, RETRY);
      return;
    }
    const refusal = checkUpgrade(req);
    if (refusal !== null) {
      writeRawResponse(socket, refusal.status, refusal.text, refusal.headers);
      return;
    }
    const parts = requestPartsOrRefuse(req, this.host.options, (status, text) =>
      writeRawResponse(socket, status, text),
    );
    if (parts !== null) this.start(new WebSocketInstance(this, req, socket, head, parts));
  }

  /** An HTTP/2 CONNECT: a WebSocket when it says `:protocol: websocket` (RFC 8441), else 405. */
  handleConnect(req: Http2ServerRequest, res: Http2ServerResponse): void {
    if (req.headers[":protocol"] !== "websocket") {
      writePlainResponse(res, 405, "CONNECT is only served for WebSockets (RFC 8441, :protocol websocket).");
      return;
    }
    const stream = req.stream;
    if (this.host.closing) {
      respondOnStream(stream, 503, "Server is shutting down.");
      return;
    }
    if (this.busy()) {
      respondOnStream(stream, 503, BUSY, RETRY);
      return;
    }
    const refusal = checkExtendedConnect(req);
    if (refusal !== null) {
      respondOnStream(stream, refusal.status, refusal.text, refusal.headers);
      return;
    }
    const parts = requestPartsOrRefuse(req, this.host.options, (status, text) =>
      respondOnStream(stream, status, text),
    );
    if (parts !== null) this.start(new WebSocketInstance(this, req, stream, Buffer.alloc(0), parts));
  }

  /** `maxPendingHandshakes` handshakes already wait for the application. */
  private busy(): boolean {
    if (this.handshakes.size < this.host.options.maxPendingHandshakes) {
      this.busyWarned = false;
      return false;
    }
    if (this.busyWarned) return true;
    this.busyWarned = true; // once per episode, not once per refused client
    this.host.logger.warn(
      { event: "websocket.handshakes_full" },
      `${this.handshakes.size} WebSocket handshakes already wait for the application (maxPendingHandshakes): answering 503.`,
    );
    return true;
  }

  /** Hands a new connection's scope to the application, which must now accept, close or deny it. */
  private start(instance: WebSocketInstance): void {
    this.handshakes.add(instance);
    instance.deliver(CONNECT);
    this.host.connected(instance);
  }

  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    decision: AcceptDecision,
    opened: (ws: WebSocket) => void,
  ): void {
    // ws reads the decision back synchronously (no verifyClient), in handleProtocols and 'headers';
    // the common accept (no subprotocol, no headers) needs no entry at all.
    const decides = decision.subprotocol !== null || decision.headers.length > 0;
    if (decides) this.decisions.set(req, decision);
    try {
      this.wss.handleUpgrade(req, socket, head, opened);
    } finally {
      if (decides) this.decisions.delete(req);
    }
  }

  upgradeStream(stream: ServerHttp2Stream, head: Buffer, decision: AcceptDecision): WebSocket | null {
    // ws's server options make the socket, as for an HTTP/1.1 upgrade: the same payload, fragment,
    // buffered-chunk and pending-pong limits, and the same close timeout (the stream ends when the
    // client ends its side after the closing handshake, or is reset when that timeout passes).
    return acceptOnStream(stream, head, decision, this.wss.options as SocketOptions);
  }

  handshakeEnded(instance: WebSocketInstance): void {
    this.handshakes.delete(instance);
  }

  socketOpened(instance: WebSocketInstance): void {
    this.sockets.add(instance);
  }

  socketClosed(instance: WebSocketInstance): void {
    this.sockets.delete(instance);
  }

  checkTimeouts(now: number): void {
    for (const instance of this.handshakes) instance.sweep(now);
    if (this.host.options.pingIntervalMs > 0) for (const socket of this.sockets) socket.sweep(now);
  }

  terminate(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  close(): void {
    this.wss.close();
  }
}
