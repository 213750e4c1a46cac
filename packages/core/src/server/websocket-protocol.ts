import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Http2ServerRequest, ServerHttp2Stream } from "node:http2";
import type { Duplex } from "node:stream";
import { WebSocket } from "ws";
import { RouteNotFound } from "../exceptions";
import type { SendEvent, WebSocketScope } from "../protocol/types";
import { withoutConnectionHeaders } from "./http2-protocol";
import { ApplicationInstance, clock } from "./instance";
import { clientLabel } from "./logger";
import type { ProtocolServer } from "./protocol-server";
import { httpVersion, parseSubprotocols, type requestParts, requestPartsOrRefuse } from "./scope";
import { checkBody, checkCloseCode, checkCloseReason, checkHeaders, checkStatus } from "./validate";

/** Set on the upgrade request for `handleProtocols` / the `headers` hook of the WebSocketServer. */
export const ACCEPTED_SUBPROTOCOL = Symbol("channels.acceptedSubprotocol");
export const ACCEPT_HEADERS = Symbol("channels.acceptHeaders");
export type UpgradeRequest = IncomingMessage & {
  [ACCEPTED_SUBPROTOCOL]?: string | false;
  [ACCEPT_HEADERS]?: string[];
};

const INSTANCE = Symbol("channels.instance");
type TaggedWebSocket = WebSocket & { [INSTANCE]: WebSocketInstance };

// Shared, frozen: one copy for every connection (memory per idle socket matters).
const WS_ASGI = Object.freeze({ version: "3.0", spec_version: "2.5" });
const WS_EXTENSIONS: Record<string, Record<string, unknown>> = Object.freeze({
  "websocket.http.response": Object.freeze({}),
}) as Record<string, Record<string, unknown>>;
const NO_SUBPROTOCOLS: string[] = Object.freeze([]) as unknown as string[];
const CONNECT = Object.freeze({ type: "websocket.connect" as const });
const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

const HANDSHAKE = 0;
/** The app sent `websocket.http.response.start`: a denial response is being written. */
const DENYING = 1;
const OPEN = 2;
const CLOSED = 3;

/**
 * ws's WebSocket as its own server makes it (`WebSocketServer.completeUpgrade`): no address, then
 * `setSocket()`, which takes any Duplex, here an HTTP/2 stream. Not in ws's type declarations.
 */
const ServerSideWebSocket = WebSocket as unknown as new (
  address: null,
  protocols: undefined,
  options: { autoPong: boolean },
) => WebSocket & {
  setSocket(
    socket: Duplex,
    head: Buffer,
    options: { allowSynchronousEvents: boolean; maxPayload: number; skipUTF8Validation: boolean },
  ): void;
};

/** A denial response being written: the HTTP/1.1 head (until written) and framing, or the HTTP/2 headers. */
interface DenialInProgress {
  head: string;
  framed: boolean;
  chunked: boolean;
  h2Headers: Record<string, string | string[]> | null;
}

/** Answers an HTTP/2 WebSocket handshake with a complete plain-text response. */
function respondOnStream(
  stream: ServerHttp2Stream,
  status: number,
  text: string,
  extra?: Record<string, string>,
) {
  if (stream.destroyed || stream.closed) return;
  const body = Buffer.from(text, "utf8");
  stream.respond({
    ":status": status,
    "content-type": "text/plain; charset=utf-8",
    "content-length": body.length,
    ...extra,
  });
  stream.end(body);
}

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

/** HTTP/2 response headers: `:status` and the app's headers, minus those HTTP/2 forbids. */
function h2ResponseHeaders(status: number, flat: string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ":status": String(status) };
  const kept = withoutConnectionHeaders(flat);
  for (let i = 0; i + 1 < kept.length; i += 2) {
    const name = kept[i] as string;
    const value = kept[i + 1] as string;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing, value];
  }
  return headers;
}

/** Writes a complete HTTP response on a raw socket (handshake rejections) and closes it. */
export function writeRawResponse(socket: Duplex, status: number, text: string, extra = ""): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(text, "utf8");
  endSocket(
    socket,
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${body.length}\r\n${extra}\r\n${text}`,
  );
}

/** Ends our side, and closes the socket as soon as the client ends its side (they are half-open). */
function endSocket(socket: Duplex, last?: string): void {
  socket.on("end", onHandshakeEnd);
  socket.resume();
  socket.end(last);
}

function onHandshakeEnd(this: Duplex): void {
  this.destroy();
}

function onSocketError(): void {
  // A reset during the handshake: the 'close' that follows reports it to the application.
}

/** One WebSocket connection and its application instance. */
export class WebSocketInstance extends ApplicationInstance {
  readonly scope: WebSocketScope;
  private state = HANDSHAKE;
  ws: WebSocket | null = null;
  private req: UpgradeRequest | null;
  /** The HTTP/2 stream of an RFC 8441 WebSocket (extended CONNECT); `null` over HTTP/1.1. */
  private readonly h2: ServerHttp2Stream | null;
  /** The TCP/TLS socket or HTTP/2 stream: ours during the handshake, then ws's (we coalesce its writes). */
  private socket: Duplex | null;
  private head: Buffer | null;
  /** Handshake deadline, on `clock()`. */
  handshakeDeadline: number;
  /** Set by every frame from the client; the keepalive sweep reads and clears it. */
  private active = false;
  private lastActive = 0;
  private pingSentAt = 0;
  /** A denial response in progress: its head (until written) and framing. */
  private denial: DenialInProgress | null = null;

  constructor(
    private readonly server: ProtocolServer,
    req: IncomingMessage | Http2ServerRequest,
    socket: Duplex,
    head: Buffer,
    parts: ReturnType<typeof requestParts>,
  ) {
    super();
    this.h2 = req.httpVersionMajor === 2 ? (req as Http2ServerRequest).stream : null;
    this.req = this.h2 === null ? (req as UpgradeRequest) : null;
    this.socket = socket;
    this.head = head;
    const scope: WebSocketScope = {
      type: "websocket",
      asgi: WS_ASGI,
      http_version: httpVersion(req),
      scheme: parts.scheme === "https" ? "wss" : "ws",
      path: parts.path,
      raw_path: parts.raw_path,
      query_string: parts.query_string,
      root_path: server.options.rootPath,
      headers: parts.headers,
      client: parts.client,
      server: parts.server,
      subprotocols:
        req.headers["sec-websocket-protocol"] === undefined
          ? NO_SUBPROTOCOLS
          : parseSubprotocols(req.headers["sec-websocket-protocol"]),
      extensions: WS_EXTENSIONS,
    };
    if (server.lifespanState !== null) scope.state = { ...server.lifespanState };
    this.scope = scope;
    this.handshakeDeadline = clock() + server.options.handshakeTimeoutMs;
    // Only needed until the handshake ends; dropped then (memory per idle socket).
    this.onHandshakeSocketClose = () => {
      if (this.state === OPEN || this.state === CLOSED) return;
      this.endHandshake();
      this.disconnected(1006, "");
    };
    // Node hands over upgrade sockets without reading them, so a client that leaves during the
    // handshake would go unnoticed: read now, keeping any early bytes for ws (bounded).
    this.onHandshakeData = (chunk: Buffer) => {
      const head = this.head === null || this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      this.head = head;
      if (head.length > server.options.maxMessageBytes + 14) socket.destroy();
    };
    socket.on("error", onSocketError);
    socket.on("close", this.onHandshakeSocketClose);
    socket.on("data", this.onHandshakeData);
    // Upgrade sockets allow half-open: the client's FIN only ends reading. It left: close ours too.
    socket.on("end", onHandshakeEnd);
  }

  private onHandshakeData: ((chunk: Buffer) => void) | null;

  private onHandshakeSocketClose: (() => void) | null;

  private endHandshake(): void {
    this.server.handshakes.delete(this);
    const socket = this.socket;
    if (socket !== null) {
      if (this.onHandshakeSocketClose !== null) socket.off("close", this.onHandshakeSocketClose);
      if (this.onHandshakeData !== null) socket.off("data", this.onHandshakeData);
      socket.off("end", onHandshakeEnd);
    }
    this.onHandshakeSocketClose = null;
    this.onHandshakeData = null;
    this.req = null;
    this.head = null;
  }

  /** Ends the connection as seen by the application: `websocket.disconnect`, then the close timeout. */
  private disconnected(code: number, reason: string): void {
    this.state = CLOSED;
    this.socket = null;
    this.deliver({ type: "websocket.disconnect", code, reason });
    if (!this.finished) this.server.scheduleCancel(this);
  }

  /** Refuses the handshake with a plain HTTP response (403 on close or timeout, 500 on error). */
  reject(status: number, text: string, why: string): void {
    if (this.state !== HANDSHAKE && this.state !== DENYING) return;
    const socket = this.socket as Duplex;
    const denying = this.state === DENYING;
    this.endHandshake();
    if (this.server.accessLog)
      this.server.logger.info(
        `${clientLabel(this.scope.client)} WSREJECT ${this.scope.path} ${denying ? "-" : status} (${why})`,
      );
    if (denying) socket.destroy();
    else if (this.h2 !== null) respondOnStream(this.h2, status, text);
    else writeRawResponse(socket, status, text);
    this.disconnected(1006, "");
  }

  protected handleSend(event: SendEvent): Promise<void> | undefined {
    if (event.type === "websocket.send") {
      const ws = this.ws;
      if (ws === null) {
        if (this.state === CLOSED) return undefined;
        throw new Error("Socket has not been accepted, so cannot send over it: send websocket.accept first.");
      }
      const data = sendPayload(event.text, event.bytes);
      if (ws.readyState !== 1) return undefined;
      // While open, `socket` is the TCP/TLS socket or HTTP/2 stream under ws.
      const socket = this.socket as Duplex;
      this.server.writes.hold(socket);
      ws.send(data);
      this.server.writes.wrote(socket);
      if (ws.bufferedAmount > this.server.options.maxBufferedBytes) {
        this.server.logger.warn(
          `WebSocket client too slow: more than ${this.server.options.maxBufferedBytes} bytes queued, closing with 1013 (${this.scope.path}).`,
        );
        ws.close(1013, "Client too slow");
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
      throw new Error(
        this.state === OPEN
          ? "websocket.accept sent twice: the socket is already accepted."
          : "websocket.accept after websocket.http.response.start: the handshake was already denied.",
      );
    }
    if (subprotocol !== undefined && subprotocol !== null) {
      if (typeof subprotocol !== "string" || !this.scope.subprotocols.includes(subprotocol)) {
        throw new TypeError(
          `websocket.accept subprotocol must be one the client offered (${JSON.stringify(this.scope.subprotocols)}) or null; got ${JSON.stringify(subprotocol)}.`,
        );
      }
    }
    const flat: string[] = [];
    checkHeaders(headers, "websocket.accept", flat);
    const extra: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const name = flat[i] as string;
      if (name.toLowerCase() === "sec-websocket-protocol") {
        throw new TypeError(
          "websocket.accept headers must not set sec-websocket-protocol: pass subprotocol instead.",
        );
      }
      if (/[\r\n]/.test(name) || /[\r\n]/.test(flat[i + 1] as string)) {
        throw new TypeError("websocket.accept headers must not contain CR or LF.");
      }
      extra.push(`${name}: ${flat[i + 1]}`);
    }
    const chosen = typeof subprotocol === "string" ? subprotocol : null;
    if (this.h2 !== null) {
      this.acceptOnStream(this.h2, chosen, flat);
      return;
    }
    const req = this.req as UpgradeRequest;
    if (extra.length > 0) req[ACCEPT_HEADERS] = extra;
    // The client offered protocols but the app chose none: answer without the header (RFC 6455).
    req[ACCEPTED_SUBPROTOCOL] = chosen ?? false;
    const head = this.handOver();
    this.server.wss.handleUpgrade(req, this.socket as Duplex, head, (ws) => this.opened(ws));
  }

  /** ws takes over reading, synchronously: stop ours and give it the early bytes (`head`). */
  private handOver(): Buffer {
    const socket = this.socket as Duplex;
    socket.off("data", this.onHandshakeData as (chunk: Buffer) => void);
    socket.off("end", onHandshakeEnd);
    this.onHandshakeData = null;
    this.server.handshakes.delete(this);
    return this.head as Buffer;
  }

  /**
   * RFC 8441: the extended CONNECT stream becomes the WebSocket once answered with 200 (no
   * Sec-WebSocket-Accept; the stream is already this client's). ws then frames over the stream.
   */
  private acceptOnStream(stream: ServerHttp2Stream, subprotocol: string | null, flat: string[]): void {
    const headers = h2ResponseHeaders(200, flat);
    if (subprotocol !== null) headers["sec-websocket-protocol"] = subprotocol;
    const head = this.handOver();
    if (stream.destroyed || stream.closed) return;
    stream.respond(headers);
    const ws = new ServerSideWebSocket(null, undefined, { autoPong: true });
    ws.setSocket(stream, head, {
      allowSynchronousEvents: true,
      maxPayload: this.server.options.maxMessageBytes,
      skipUTF8Validation: false,
    });
    this.opened(ws);
  }

  private opened(ws: WebSocket): void {
    const socket = this.socket;
    this.endHandshake();
    socket?.off("error", onSocketError);
    if (this.state === CLOSED || this.cancelled) {
      ws.terminate();
      return;
    }
    this.state = OPEN;
    this.ws = ws;
    this.lastActive = clock();
    (ws as TaggedWebSocket)[INSTANCE] = this;
    ws.on("message", onMessage);
    ws.on("close", onClose);
    ws.on("pong", onPong);
    ws.on("error", onError);
    this.server.sockets.add(this);
    if (this.server.accessLog)
      this.server.logger.info(`${clientLabel(this.scope.client)} WSCONNECT ${this.scope.path}`);
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
      throw new Error(
        "websocket.close during a denial response: finish it with websocket.http.response.body instead.",
      );
    }
    return undefined;
  }

  private startDenial(status: unknown, headers: unknown): undefined {
    if (this.state === CLOSED) return undefined;
    if (this.state !== HANDSHAKE) {
      throw new Error("websocket.http.response.start is only valid before websocket.accept, and only once.");
    }
    const code = checkStatus(status, "websocket.http.response.start");
    const flat: string[] = [];
    const framed = checkHeaders(headers, "websocket.http.response.start", flat);
    let head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ""}\r\nconnection: close\r\n`;
    for (let i = 0; i < flat.length; i += 2) {
      if (/[\r\n]/.test(flat[i] as string) || /[\r\n]/.test(flat[i + 1] as string)) {
        throw new TypeError("websocket.http.response.start headers must not contain CR or LF.");
      }
      head += `${flat[i]}: ${flat[i + 1]}\r\n`;
    }
    const h2Headers = this.h2 === null ? null : h2ResponseHeaders(code, flat);
    this.state = DENYING;
    this.denial = { head, framed, chunked: false, h2Headers };
    return undefined;
  }

  private denialBody(rawBody: unknown, more: boolean): undefined {
    const body = checkBody(rawBody, "websocket.http.response.body");
    if (this.state === CLOSED) return undefined;
    if (this.state !== DENYING) {
      throw new Error("Send websocket.http.response.start before websocket.http.response.body.");
    }
    const socket = this.socket as Duplex;
    const denial = this.denial as DenialInProgress;
    if (this.h2 !== null) {
      // HTTP/2 frames the body itself: no content-length or chunking to add.
      if (denial.h2Headers !== null) {
        if (!this.h2.destroyed) this.h2.respond(denial.h2Headers);
        denial.h2Headers = null;
      }
      if (body.length > 0 && !this.h2.destroyed) this.h2.write(body);
    } else {
      if (denial.head !== "") {
        let head = denial.head;
        denial.head = "";
        if (!denial.framed) {
          if (more) {
            head += "transfer-encoding: chunked\r\n";
            denial.chunked = true;
          } else head += `content-length: ${body.length}\r\n`;
        }
        socket.write(`${head}\r\n`);
      }
      if (denial.chunked) {
        if (body.length > 0) {
          socket.write(`${body.length.toString(16)}\r\n`);
          socket.write(body);
          socket.write("\r\n");
        }
        if (!more) socket.write("0\r\n\r\n");
      } else if (body.length > 0) socket.write(body);
    }
    if (!more) {
      this.endHandshake();
      if (this.server.accessLog)
        this.server.logger.info(
          `${clientLabel(this.scope.client)} WSREJECT ${this.scope.path} (denial response)`,
        );
      if (this.h2 !== null) this.h2.end();
      else endSocket(socket);
      this.disconnected(1006, "");
    }
    return undefined;
  }

  // Called with `this` bound by the 'message', 'close', 'pong' listeners (shared functions).
  received(data: Buffer, isBinary: boolean): void {
    this.active = true;
    this.deliver(
      isBinary
        ? { type: "websocket.receive", bytes: data }
        : { type: "websocket.receive", text: data.toString() },
    );
  }

  /** The close code ws sent when it failed the connection (1009 too big, 1007 bad UTF-8, 1002). */
  private failedWith = 0;

  failed(error: Error & { code?: string }): void {
    const code = typeof error.code === "string" ? error.code : "";
    if (!code.startsWith("WS_ERR_")) return; // a socket error: no close frame went out (1006)
    this.failedWith =
      code === "WS_ERR_INVALID_UTF8"
        ? 1007
        : code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" || code === "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH"
          ? 1009
          : 1002;
  }

  closed(rawCode: number, reason: Buffer): void {
    this.server.sockets.delete(this);
    this.ws = null;
    // ws stops reading once it fails a connection, so it reports 1006 although the client got
    // the code ws sent: the application sees that code, as the client did.
    const code = rawCode === 1006 && this.failedWith !== 0 ? this.failedWith : rawCode;
    if (this.server.accessLog)
      this.server.logger.info(`${clientLabel(this.scope.client)} WSDISCONNECT ${this.scope.path} ${code}`);
    this.disconnected(code, reason.length === 0 ? "" : reason.toString());
  }

  ponged(): void {
    this.active = true;
  }

  /** Keepalive, run by the server's sweep: ping the idle, drop the unresponsive. */
  keepalive(now: number, intervalMs: number, timeoutMs: number): void {
    const ws = this.ws;
    if (ws === null || ws.readyState !== 1) return;
    if (this.active) {
      this.active = false;
      this.lastActive = now;
      this.pingSentAt = 0;
    } else if (this.pingSentAt !== 0) {
      if (now - this.pingSentAt >= timeoutMs) {
        if (this.server.accessLog)
          this.server.logger.info(`${clientLabel(this.scope.client)} WSTIMEOUT ${this.scope.path} (no pong)`);
        ws.terminate();
      }
    } else if (now - this.lastActive >= intervalMs) {
      this.pingSentAt = now;
      ws.ping();
    }
  }

  /** Server shutdown: close 1001 (Going Away), or refuse a handshake in progress with 503. */
  goAway(): void {
    if (this.state === HANDSHAKE) this.reject(503, "Server is shutting down.", "server shutting down");
    else if (this.state === DENYING) this.reject(503, "", "server shutting down");
    else if (this.ws !== null && this.ws.readyState === 1) this.ws.close(1001, "Server shutting down");
  }

  /** Drops the TCP connection without a closing handshake. */
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
      this.server.logger.error(
        `Application returned without accepting or closing the WebSocket (${this.scope.path}).`,
      );
      this.reject(500, "Internal Server Error", "application returned");
    } else if (this.state === DENYING) {
      this.server.logger.error(
        `Application returned in the middle of a denial response (${this.scope.path}).`,
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
    this.server.logger.error(`Exception inside application (WebSocket ${this.scope.path}):`, error);
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

/**
 * Entry point for a WebSocket over HTTP/2 (RFC 8441): an extended CONNECT with
 * `:protocol: websocket` on a server that advertised SETTINGS_ENABLE_CONNECT_PROTOCOL.
 */
export function handleWebSocketOverHttp2(server: ProtocolServer, req: Http2ServerRequest): void {
  const stream = req.stream;
  if (server.closing) {
    respondOnStream(stream, 503, "Server is shutting down.");
    return;
  }
  // RFC 8441 §5: no Sec-WebSocket-Key (the stream is the client's own); the version still counts.
  if (req.headers["sec-websocket-version"] !== "13") {
    respondOnStream(stream, 400, "Missing or invalid Sec-WebSocket-Version header", {
      "sec-websocket-version": "13",
    });
    return;
  }
  const parts = requestPartsOrRefuse(req, server.options, (status, text) =>
    respondOnStream(stream, status, text),
  );
  if (parts !== null)
    startWebSocket(server, new WebSocketInstance(server, req, stream, Buffer.alloc(0), parts));
}

/** Hands a new connection's scope to the application, which must now accept, close or deny it. */
function startWebSocket(server: ProtocolServer, instance: WebSocketInstance): void {
  server.track(instance);
  server.handshakes.add(instance);
  instance.deliver(CONNECT);
  instance.start(server.app);
}

/** Entry point for an HTTP upgrade request. */
export function handleWebSocketUpgrade(
  server: ProtocolServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  if (server.closing) {
    writeRawResponse(socket, 503, "Server is shutting down.");
    return;
  }
  // Refuse what ws would refuse, before the application spends anything on it.
  if (req.method !== "GET") {
    writeRawResponse(socket, 405, "Invalid HTTP method");
    return;
  }
  const key = req.headers["sec-websocket-key"];
  if (key === undefined || !KEY_PATTERN.test(key)) {
    writeRawResponse(socket, 400, "Missing or invalid Sec-WebSocket-Key header");
    return;
  }
  const version = req.headers["sec-websocket-version"];
  if (version !== "13" && version !== "8") {
    writeRawResponse(
      socket,
      400,
      "Missing or invalid Sec-WebSocket-Version header",
      "sec-websocket-version: 13, 8\r\n",
    );
    return;
  }
  const parts = requestPartsOrRefuse(req, server.options, (status, text) =>
    writeRawResponse(socket, status, text),
  );
  if (parts !== null) startWebSocket(server, new WebSocketInstance(server, req, socket, head, parts));
}
