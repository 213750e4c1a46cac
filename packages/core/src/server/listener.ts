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

function rejectBadRequest(_error: Error, socket: Duplex): void {
  // A client that misbehaves at the HTTP level (bad request line, reset) must not take us down.
  if (socket.writable) socket.end(rawPlainResponse(400, ""));
  else socket.destroy();
}

const H2_SETTINGS = { enableConnectProtocol: true };

function createNodeServer(protocol: ProtocolServer, transport: Transport): NodeServer {
  const { kind, tls } = transport;
  if (kind === "http") return createHttpServer(protocol.handleRequest);
  // SETTINGS_ENABLE_CONNECT_PROTOCOL: clients may open WebSockets as HTTP/2 streams (RFC 8441).
  if (kind === "h2c") return createH2cServer({ settings: H2_SETTINGS }, protocol.handleRequest);
  try {
    if (kind === "https") return createHttpsServer({ ...tls }, protocol.handleRequest);
    // allowHTTP1: ALPN offers h2 and http/1.1 on one port, so WebSocket upgrades keep working.
    return createSecureServer({ ...tls, allowHTTP1: true, settings: H2_SETTINGS }, protocol.handleRequest);
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
