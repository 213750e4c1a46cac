import { createServer as createHttpServer, type Server } from "node:http";
import {
  createServer as createH2cServer,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
} from "node:http2";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { ImproperlyConfigured } from "../exceptions";
import type { ResolvedOptions } from "./options";
import type { ProtocolServer } from "./protocol-server";
import { rawPlainResponse } from "./responses";
import type { Transport } from "./tls-options";

/** The Node server `serve()` listens with, by `tls` / `http2`. */
export type NodeServer = Server | HttpsServer | Http2SecureServer | Http2Server;

/** A Node server wired to a `ProtocolServer`, with the two halves of a graceful close. */
export interface Listener {
  readonly server: NodeServer;
  /** Stops accepting connections, closes idle HTTP/1.1 ones and sends GOAWAY on HTTP/2 sessions (open streams go on). */
  stopAccepting(): Promise<void>;
  /** Drops every connection left once the application instances are done. */
  closeAll(): void;
}

/** The status Node's own server answers a client error with (its `clientError` default). */
function clientErrorStatus(error: Error & { code?: string }): number {
  switch (error.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT": // headersTimeout or requestTimeout passed
      return 408;
    case "HPE_HEADER_OVERFLOW": // larger than maxHeaderSize
      return 431;
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return 413;
    default:
      return 400;
  }
}

function rejectBadRequest(error: Error, socket: Duplex): void {
  // A client that misbehaves at the HTTP level (bad request line, slow or oversized headers, a
  // reset) gets the status Node's own server would send, and never takes us down.
  if (socket.writable) socket.end(rawPlainResponse(clientErrorStatus(error), ""));
  else socket.destroy();
}

/** Node's HTTP/1.1 limits against slow and oversized request heads (slowloris). */
function http1Options(options: ResolvedOptions) {
  const { headersTimeoutMs, requestTimeoutMs, maxHeaderBytes } = options;
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    maxHeaderSize: maxHeaderBytes,
    // Node checks both timeouts on this interval (30 s by default, longer than the timeouts).
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeoutMs / 4))),
  };
}

function createNodeServer(protocol: ProtocolServer, transport: Transport): NodeServer {
  const { kind, tls } = transport;
  const options = protocol.options;
  // SETTINGS_ENABLE_CONNECT_PROTOCOL: clients may open WebSockets as HTTP/2 streams (RFC 8441).
  const settings = { enableConnectProtocol: true, maxHeaderListSize: options.maxHeaderBytes };
  if (kind === "http") return createHttpServer(http1Options(options), protocol.handleRequest);
  if (kind === "h2c") return createH2cServer({ settings }, protocol.handleRequest);
  try {
    if (kind === "https")
      return createHttpsServer({ ...tls, ...http1Options(options) }, protocol.handleRequest);
    // allowHTTP1: ALPN offers h2 and http/1.1 on one port, so WebSocket upgrades keep working.
    const server = createSecureServer({ ...tls, allowHTTP1: true, settings }, protocol.handleRequest);
    // Its HTTP/1.1 connections take Node's HTTP/1.1 limits from these properties (read at listen).
    return Object.assign(server, http1Options(options));
  } catch (error) {
    throw new ImproperlyConfigured(
      `Server option tls is not a usable PEM key and certificate pair: ${(error as Error).message}. Pass the file contents (readFileSync(path)), not the paths.`,
    );
  }
}

/** Creates the Node server for `transport` and routes requests and upgrades to `protocol`. */
export function createListener(protocol: ProtocolServer, transport: Transport): Listener {
  const server = createNodeServer(protocol, transport);
  server.on("upgrade", protocol.handleUpgrade);
  server.on("clientError", rejectBadRequest);
  if (transport.kind === "http" || transport.kind === "https") {
    const http1 = server as Server | HttpsServer;
    return {
      server,
      stopAccepting() {
        const stopped = new Promise<void>((resolve) => http1.close(() => resolve()));
        http1.closeIdleConnections();
        return stopped;
      },
      closeAll: () => http1.closeAllConnections(),
    };
  }
  // Node's HTTP/2 compatibility API hands CONNECT requests (RFC 8441 WebSockets) to 'connect'.
  server.on("connect", protocol.handleConnect);
  // HTTP/2 servers keep no list of their connections (nor of HTTP/1.1 ones under allowHTTP1).
  const sessions = new Set<Http2Session>();
  const sockets = new Set<Duplex>();
  server.on(transport.kind === "h2" ? "secureConnection" : "connection", (socket: Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    // A peer that breaks the protocol ends its own session, not the process.
    session.on("error", () => {});
  });
  return {
    server,
    stopAccepting() {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // GOAWAY: no new streams; the session closes by itself once its open streams are done.
      for (const session of sessions) session.close();
      return stopped;
    },
    closeAll() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
