import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { ProtocolError, RouteNotFound } from "../../exceptions";
import { currentMetrics, type Metrics } from "../../metrics/metrics";
import type { SendEvent, WebSocketScope } from "../../protocol/types";
import { ConnectionInstance, type ProtocolHost } from "../connection";
import { isHttp2 } from "../http-versions";
import { clock } from "../instance";
import { isLayerUnavailable, LAYER_UNAVAILABLE_HEADERS } from "../layer-outage";
import { logText } from "../log-text";
import { clientLabel } from "../logger";
import {
  type DenialResponse,
  type ExtraHeaders,
  http1Denial,
  http2Denial,
  respondOnStream,
  writeRawResponse,
} from "../responses";
import { isToken, type RequestParts } from "../scope";
import {
  checkBody,
  checkCloseCode,
  checkCloseReason,
  checkHeaders,
  checkNoLineBreaks,
  checkStatus,
} from "../validate";
import { type AcceptDecision, webSocketScope } from "./handshake";
import { Keepalive } from "./keepalive";
import { PendingSocket, swallowError } from "./pending-socket";
import type { WriteCoalescer } from "./write-coalescer";

/** What a `WebSocketInstance` needs from the protocol that made it. */
export interface WebSocketOwner {
  readonly host: ProtocolHost;
  /** Frames sent in one event-loop turn leave each socket in one write. */
  readonly writes: WriteCoalescer;
  /** Completes an HTTP/1.1 handshake (101): ws takes `socket` over and calls `opened`. */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    decision: AcceptDecision,
    opened: (ws: WebSocket) => void,
  ): void;
  /** Completes an RFC 8441 handshake (200) with the same socket options; `null` if the stream is gone. */
  upgradeStream(stream: ServerHttp2Stream, head: Buffer, decision: AcceptDecision): WebSocket | null;
  /** The handshake is over (accepted, refused, or the client left). */
  handshakeEnded(instance: WebSocketInstance): void;
  /** The socket is open: keepalive and shutdown now apply to it. */
  socketOpened(instance: WebSocketInstance): void;
  socketClosed(instance: WebSocketInstance): void;
}

/** Bytes a client may send before its handshake is answered; past them it is dropped. */
export const MAX_EARLY_BYTES = 16 * 1024;

const INSTANCE = Symbol("channels.instance");
const HTTP1 = { http_version: "1.1" };
const HTTP2 = { http_version: "2" };
type TaggedWebSocket = WebSocket & { [INSTANCE]: WebSocketInstance };

const HANDSHAKE = 0;
/** The app sent `websocket.http.response.start`: a denial response is being written. */
const DENYING = 1;
const OPEN = 2;
const CLOSED = 3;

/** The frame a `websocket.send` asks for: its text or its bytes, exactly one of them. */
function sendPayload(text: unknown, bytes: unknown): string | Uint8Array {
  const hasText = text !== undefined && text !== null;
  const hasBytes = bytes !== undefined && bytes !== null;
  if (hasText && hasBytes) {
    throw new TypeError(
      "websocket.send has both text and bytes: send exactly one of them (the other null or absent).",
    );
  }
  if (typeof text === "string") return text;
  if (bytes instanceof Uint8Array) return bytes;
  throw new TypeError("websocket.send needs text (a string) or bytes (a Uint8Array).");
}

/**
 * One WebSocket connection and its application instance: the ASGI events of the handshake
 * (accept, close, denial response), then frames both ways, keepalive and shutdown.
 */
export class WebSocketInstance extends ConnectionInstance {
  readonly scope: WebSocketScope;
  private state = HANDSHAKE;
  private ws: WebSocket | null = null;
  private req: IncomingMessage | null;
  /** The HTTP/2 stream of an RFC 8441 WebSocket (extended CONNECT); `null` over HTTP/1.1. */
  private readonly h2: ServerHttp2Stream | null;
  /** The TCP/TLS socket or HTTP/2 stream: ours during the handshake, then ws's (we coalesce its writes). */
  private socket: Duplex | null;
  /** The socket while the handshake lasts. */
  private pending: PendingSocket | null;
  /** Handshake deadline, on `clock()`. */
  private readonly handshakeDeadline: number;
  /** Set once open. */
  private keepalive: Keepalive | null = null;
  /** A denial response in progress. */
  private denial: DenialResponse | null = null;
  /** Read once per connection, so every gauge it raises it also lowers. */
  private readonly metrics: Metrics;
  /** Whether the handshake is still counted in `channels_handshakes_pending`. */
  private handshakeCounted = false;
  /** The status of a denial response in progress, for `channels_connections_denied_total`. */
  private denialStatus = 0;

  constructor(
    private readonly owner: WebSocketOwner,
    req: IncomingMessage | Http2ServerRequest,
    socket: Duplex,
    head: Buffer,
    parts: RequestParts,
  ) {
    super();
    const host = owner.host;
    this.h2 = isHttp2(req) ? req.stream : null;
    this.req = this.h2 === null ? (req as IncomingMessage) : null;
    this.socket = socket;
    this.scope = webSocketScope(req, parts, host.options.rootPath, host.lifespanState);
    this.handshakeDeadline = clock() + host.options.handshakeTimeoutMs;
    this.metrics = currentMetrics();
    if (this.metrics.enabled) {
      this.handshakeCounted = true;
      this.metrics.addToGauge("channels_handshakes_pending", 1, this.httpLabels);
    }
    // A client must wait for the handshake's answer before it sends frames (RFC 6455 §4.1):
    // what one sends early is held, up to a small bound, for ws.
    this.pending = new PendingSocket(socket, head, MAX_EARLY_BYTES, () => {
      if (this.state === OPEN || this.state === CLOSED) return;
      this.endHandshake();
      this.disconnected(1006, "");
    });
  }

  /** The path for log lines: as the client sent it, escaped (a decoded `%0a` would start a forged line). */
  private logPath(): string {
    return logText(this.scope.raw_path ?? this.scope.path);
  }

  /** The server (a getter: one field fewer on every open socket). */
  private get host(): ProtocolHost {
    return this.owner.host;
  }

  /** The `http_version` label (shared objects: no field per socket). */
  private get httpLabels(): { http_version: string } {
    return this.h2 === null ? HTTP1 : HTTP2;
  }

  private endHandshake(): void {
    if (this.handshakeCounted) {
      this.handshakeCounted = false;
      this.metrics.addToGauge("channels_handshakes_pending", -1, this.httpLabels);
    }
    this.owner.handshakeEnded(this);
    this.pending?.release();
    this.pending = null;
    this.req = null;
  }

  /** Ends the connection as seen by the application: `websocket.disconnect`, then the close timeout. */
  private disconnected(code: number, reason: string): void {
    this.state = CLOSED;
    this.socket = null;
    this.deliver({ type: "websocket.disconnect", code, reason });
    if (!this.finished) this.host.disconnected(this);
  }

  /** Refuses the handshake with a plain HTTP response (403 on close or timeout, 500 on error). */
  private reject(status: number, text: string, why: string, headers?: ExtraHeaders): void {
    if (this.state !== HANDSHAKE && this.state !== DENYING) return;
    const socket = this.socket as Duplex;
    const denying = this.state === DENYING;
    this.endHandshake();
    if (this.metrics.enabled) {
      this.metrics.increment("channels_connections_denied_total", {
        ...this.httpLabels,
        status: denying ? this.denialStatus : status,
      });
    }
    if (this.host.accessLog)
      this.host.logger.info(
        {
          event: "websocket.reject",
          client: clientLabel(this.scope.client),
          path: this.scope.path,
          status: denying ? this.denialStatus : status,
          reason: why,
        },
        `${clientLabel(this.scope.client)} WSREJECT ${this.logPath()} ${denying ? "-" : status} (${why})`,
      );
    if (denying) socket.destroy();
    else if (this.h2 !== null) respondOnStream(this.h2, status, text, headers);
    else writeRawResponse(socket, status, text, headers);
    this.disconnected(1006, "");
  }

  protected handleSend(event: SendEvent): Promise<void> | undefined {
    if (event.type === "websocket.send") {
      const ws = this.ws;
      if (ws === null) {
        if (this.state === CLOSED) return undefined;
        throw new ProtocolError(
          "Socket has not been accepted, so cannot send over it: send websocket.accept first.",
        );
      }
      const data = sendPayload(event.text, event.bytes);
      if (ws.readyState !== 1) return undefined;
      // While open, `socket` is the TCP/TLS socket or HTTP/2 stream under ws.
      const socket = this.socket as Duplex;
      const writes = this.owner.writes;
      writes.hold(socket);
      ws.send(data);
      writes.wrote(socket);
      if (this.metrics.enabled) {
        this.metrics.increment("channels_frames_sent_total");
        const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
        this.metrics.increment("channels_sent_bytes_total", undefined, bytes);
      }
      const maxBufferedBytes = this.host.options.maxBufferedBytes;
      if (ws.bufferedAmount > maxBufferedBytes) {
        this.host.logger.warn(
          { event: "websocket.slow_client" },
          `WebSocket client too slow: more than ${maxBufferedBytes} bytes queued, closing with 1013 (${this.logPath()}).`,
        );
        ws.close(1013, "Client too slow");
        if (this.metrics.enabled)
          this.metrics.increment("channels_messages_dropped_total", { reason: "slow_client" });
      }
      return undefined;
    }
    switch (event.type) {
      case "websocket.accept":
        this.accept(event.subprotocol, event.headers);
        return undefined;
      case "websocket.close":
        return this.close(event.code, event.reason);
      case "websocket.http.response.start":
        return this.startDenial(event.status, event.headers);
      case "websocket.http.response.body":
        return this.denialBody(event.body, event.more_body === true);
      default:
        throw new TypeError(
          `Cannot send "${event.type}" on a WebSocket connection: send websocket.accept, websocket.send, websocket.close or websocket.http.response.start/body.`,
        );
    }
  }

  private accept(subprotocol: unknown, headers: unknown): void {
    if (this.state === CLOSED) return;
    if (this.state !== HANDSHAKE) {
      throw new ProtocolError(
        this.state === OPEN
          ? "websocket.accept sent twice: the socket is already accepted."
          : "websocket.accept after websocket.http.response.start: the handshake was already denied.",
      );
    }
    if (subprotocol !== undefined && subprotocol !== null) {
      // It goes into a response header: an RFC 6455 token the client offered, byte for byte.
      if (typeof subprotocol !== "string" || !this.scope.subprotocols.includes(subprotocol)) {
        throw new TypeError(
          `websocket.accept subprotocol must be one the client offered (${JSON.stringify(this.scope.subprotocols)}), exactly as offered, or null; got ${JSON.stringify(subprotocol)}.`,
        );
      }
      if (!isToken(subprotocol)) {
        throw new TypeError(
          `websocket.accept subprotocol must be an RFC 6455 token (letters, digits and !#$%&'*+-.^_\`|~); got ${JSON.stringify(subprotocol)}. Accept null or another offered subprotocol.`,
        );
      }
    }
    const flat: string[] = [];
    checkHeaders(headers, "websocket.accept", flat);
    for (let i = 0; i < flat.length; i += 2) {
      if ((flat[i] as string).toLowerCase() === "sec-websocket-protocol") {
        throw new TypeError(
          "websocket.accept headers must not set sec-websocket-protocol: pass subprotocol instead.",
        );
      }
    }
    checkNoLineBreaks(flat, "websocket.accept");
    // The client offered protocols but the app chose none: answer without the header (RFC 6455).
    const decision: AcceptDecision = {
      subprotocol: typeof subprotocol === "string" ? subprotocol : null,
      headers: flat,
    };
    const socket = this.socket as Duplex;
    const req = this.req;
    const head = this.handOver();
    if (this.h2 === null) {
      this.owner.upgrade(req as IncomingMessage, socket, head, decision, (ws) => this.opened(ws));
      return;
    }
    const ws = this.owner.upgradeStream(this.h2, head, decision);
    if (ws !== null) this.opened(ws);
  }

  /** ws takes over reading, synchronously: stop ours and give it the early bytes. */
  private handOver(): Buffer {
    this.owner.handshakeEnded(this);
    return (this.pending as PendingSocket).handOver();
  }

  private opened(ws: WebSocket): void {
    const socket = this.socket;
    this.endHandshake();
    socket?.off("error", swallowError);
    if (this.state === CLOSED || this.cancelled) {
      ws.terminate();
      return;
    }
    this.state = OPEN;
    this.ws = ws;
    this.keepalive = new Keepalive(clock());
    (ws as TaggedWebSocket)[INSTANCE] = this;
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("pong", onPong);
    ws.on("error", onError);
    this.owner.socketOpened(this);
    if (this.metrics.enabled) {
      const labels = { protocol: "websocket", ...this.httpLabels };
      this.metrics.increment("channels_connections_accepted_total", labels);
      this.metrics.addToGauge("channels_connections", 1, labels);
    }
    if (this.host.accessLog)
      this.host.logger.info(
        { event: "websocket.connect", client: clientLabel(this.scope.client), path: this.scope.path },
        `${clientLabel(this.scope.client)} WSCONNECT ${this.logPath()}`,
      );
  }

  private close(rawCode: unknown, rawReason: unknown): undefined {
    const code = checkCloseCode(rawCode);
    const reason = checkCloseReason(rawReason);
    if (this.state === HANDSHAKE) {
      this.reject(403, "Access denied", "closed by the application");
    } else if (this.state === OPEN) {
      const ws = this.ws as WebSocket;
      if (ws.readyState === 1) ws.close(code, reason);
    } else if (this.state === DENYING) {
      throw new ProtocolError(
        "websocket.close during a denial response: finish it with websocket.http.response.body instead.",
      );
    }
    return undefined;
  }

  private startDenial(status: unknown, headers: unknown): undefined {
    if (this.state === CLOSED) return undefined;
    if (this.state !== HANDSHAKE) {
      throw new ProtocolError(
        "websocket.http.response.start is only valid before websocket.accept, and only once.",
      );
    }
    const code = checkStatus(status, "websocket.http.response.start");
    const flat: string[] = [];
    const framed = checkHeaders(headers, "websocket.http.response.start", flat);
    checkNoLineBreaks(flat, "websocket.http.response.start");
    this.state = DENYING;
    this.denialStatus = code;
    this.denial =
      this.h2 === null
        ? http1Denial(this.socket as Duplex, code, flat, framed)
        : http2Denial(this.h2, code, flat);
    return undefined;
  }

  private denialBody(rawBody: unknown, more: boolean): undefined {
    const body = checkBody(rawBody, "websocket.http.response.body");
    if (this.state === CLOSED) return undefined;
    if (this.state !== DENYING) {
      throw new ProtocolError("Send websocket.http.response.start before websocket.http.response.body.");
    }
    if (!more) {
      this.endHandshake();
      if (this.metrics.enabled)
        this.metrics.increment("channels_connections_denied_total", {
          ...this.httpLabels,
          status: this.denialStatus,
        });
      if (this.host.accessLog)
        this.host.logger.info(
          {
            event: "websocket.reject",
            client: clientLabel(this.scope.client),
            path: this.scope.path,
            status: this.denialStatus,
            reason: "denial response",
          },
          `${clientLabel(this.scope.client)} WSREJECT ${this.logPath()} (denial response)`,
        );
    }
    (this.denial as DenialResponse).write(body, more);
    if (!more) this.disconnected(1006, "");
    return undefined;
  }

  // Called with `this` bound by the 'message', 'close', 'pong' listeners (shared functions).
  received(data: Buffer, isBinary: boolean): void {
    (this.keepalive as Keepalive).heard();
    if (this.metrics.enabled) {
      this.metrics.increment("channels_frames_received_total");
      this.metrics.increment("channels_received_bytes_total", undefined, data.length);
    }
    this.deliver(
      isBinary
        ? { type: "websocket.receive", bytes: data }
        : { type: "websocket.receive", text: data.toString() },
    );
  }

  /** The close code ws sent when it failed the connection (1009 too big, 1008 too many parts, 1007 bad UTF-8, 1002). */
  private failedWith = 0;

  failed(error: Error & { code?: string }): void {
    const code = typeof error.code === "string" ? error.code : "";
    if (!code.startsWith("WS_ERR_")) return; // a socket error: no close frame went out (1006)
    this.failedWith =
      code === "WS_ERR_INVALID_UTF8"
        ? 1007
        : code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" || code === "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH"
          ? 1009
          : code === "WS_ERR_TOO_MANY_BUFFERED_PARTS" // too many fragments or buffered chunks
            ? 1008
            : 1002;
  }

  closed(rawCode: number, reason: Buffer): void {
    this.owner.socketClosed(this);
    this.ws = null;
    // ws stops reading once it fails a connection, so it reports 1006 although the client got
    // the code ws sent: the application sees that code, as the client did.
    const code = rawCode === 1006 && this.failedWith !== 0 ? this.failedWith : rawCode;
    if (this.metrics.enabled) {
      this.metrics.addToGauge("channels_connections", -1, { protocol: "websocket", ...this.httpLabels });
      this.metrics.increment("channels_connections_closed_total", { ...this.httpLabels, code });
    }
    if (this.host.accessLog)
      this.host.logger.info(
        {
          event: "websocket.disconnect",
          client: clientLabel(this.scope.client),
          path: this.scope.path,
          code,
        },
        `${clientLabel(this.scope.client)} WSDISCONNECT ${this.logPath()} ${code}`,
      );
    this.disconnected(code, reason.length === 0 ? "" : reason.toString());
  }

  ponged(): void {
    (this.keepalive as Keepalive).heard();
  }

  /** The handshake timeout until the application answers, then keepalive while open. */
  sweep(now: number): boolean {
    if (this.state === HANDSHAKE || this.state === DENYING) {
      if (now < this.handshakeDeadline) return true;
      this.host.logger.warn(
        { event: "websocket.handshake_timeout" },
        `WebSocket handshake timed out: the application did not accept or close within ${this.host.options.handshakeTimeoutMs} ms (${this.logPath()}).`,
      );
      this.reject(403, "Access denied", "handshake timeout");
      return false;
    }
    const ws = this.ws;
    if (ws === null || ws.readyState !== 1) return false;
    const { pingIntervalMs, pingTimeoutMs } = this.host.options;
    if (pingIntervalMs === 0) return false;
    const action = (this.keepalive as Keepalive).check(now, pingIntervalMs, pingTimeoutMs);
    if (action === "ping") ws.ping();
    else if (action === "drop") {
      if (this.host.accessLog)
        this.host.logger.info(
          { event: "websocket.timeout", client: clientLabel(this.scope.client), path: this.scope.path },
          `${clientLabel(this.scope.client)} WSTIMEOUT ${this.logPath()} (no pong)`,
        );
      ws.terminate();
    }
    return true;
  }

  /** Server shutdown: close 1001 (Going Away), or refuse a handshake in progress with 503. */
  goAway(): void {
    if (this.state === HANDSHAKE) this.reject(503, "Server is shutting down.", "server shutting down");
    else if (this.state === DENYING) this.reject(503, "", "server shutting down");
    else if (this.ws !== null && this.ws.readyState === 1) this.ws.close(1001, "Server shutting down");
  }

  /** Drops the TCP connection (or HTTP/2 stream) without a closing handshake. */
  terminate(): void {
    if (this.ws !== null) this.ws.terminate();
    else if (this.socket !== null) this.socket.destroy();
  }

  protected override onQueueFull(): void {
    this.ws?.pause();
  }

  protected override onQueueDrained(): void {
    this.ws?.resume();
  }

  protected onApplicationReturn(): void {
    if (this.state === HANDSHAKE) {
      this.host.logger.error(
        { event: "application.no_response" },
        `Application returned without accepting or closing the WebSocket (${this.logPath()}).`,
      );
      this.reject(500, "Internal Server Error", "application returned");
    } else if (this.state === DENYING) {
      this.host.logger.error(
        { event: "application.no_response" },
        `Application returned in the middle of a denial response (${this.logPath()}).`,
      );
      this.reject(500, "", "application returned");
    } else if (this.ws !== null && this.ws.readyState === 1) {
      this.ws.close(1000);
    }
  }

  protected onApplicationError(error: unknown): void {
    if (error instanceof RouteNotFound && this.state === HANDSHAKE) {
      // No route matched: the client's mistake. A real 404 response, and only the access log.
      this.reject(404, "Not Found", "no route");
      return;
    }
    if (isLayerUnavailable(error)) {
      // A channel layer is down: the server's outage, not a bug. 503 (or 1013 once open), one warning per outage.
      this.host.layerOutage.report(error, `WebSocket ${this.logPath()}`);
      if (this.state === HANDSHAKE) {
        this.reject(
          503,
          "Service Unavailable: try again shortly.",
          "channel layer unavailable",
          LAYER_UNAVAILABLE_HEADERS,
        );
        return;
      }
      if (this.state === OPEN && this.ws !== null && this.ws.readyState <= 1) {
        this.ws.close(1013, "Try again later");
        return;
      }
    } else {
      this.host.logger.error(
        { event: "application.error", err: error },
        `Exception inside application (WebSocket ${this.logPath()}):`,
      );
    }
    if (this.state === HANDSHAKE || this.state === DENYING) {
      this.reject(500, "Internal Server Error", "application error");
    } else if (this.ws !== null && this.ws.readyState <= 1) {
      this.ws.close(1011, "Internal server error");
    }
  }
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as TaggedWebSocket)[INSTANCE].received(data, isBinary);
}
function onClose(this: WebSocket, code: number, reason: Buffer): void {
  (this as TaggedWebSocket)[INSTANCE].closed(code, reason);
}
function onPong(this: WebSocket): void {
  (this as TaggedWebSocket)[INSTANCE].ponged();
}
function onError(this: WebSocket, error: Error): void {
  // ws closes the socket after an error (1009, 1002, 1007, a reset); 'close' tells the application.
  (this as TaggedWebSocket)[INSTANCE].failed(error);
}
