import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { Application } from "../protocol/types";
import type { AttachOptions } from "./options";
import { ProtocolServer, type ServerStats } from "./protocol-server";
import { isWebSocketUpgrade } from "./websocket/handshake";

/** What `attach()` returns. */
export interface AttachedServer {
  /** Resolves once lifespan startup completed; rejects on `lifespan.startup.failed`. */
  readonly ready: Promise<void>;
  /**
   * Detaches from the HTTP server and shuts the application down gracefully (WebSockets closed
   * with 1001, instances finished or cancelled, lifespan shutdown, layers closed). Does not close
   * the HTTP server itself: that is its owner's job.
   */
  close(): Promise<void>;
  /** Live counts of the application instances (running, abandoned). */
  readonly stats: ServerStats;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Shares `httpServer`'s port with `app`: WebSocket upgrades go to the application; plain HTTP
 * requests stay with the server's existing handlers (Express, Fastify, …), unless
 * `routeHttp: true`, in which case the application sees them first and hands back those it
 * raises `RouteNotFound` on (before reading the body or starting a response).
 */
export function attach(
  httpServer: Server | HttpsServer,
  app: Application,
  options: AttachOptions = {},
): AttachedServer {
  if (httpServer === null || typeof httpServer !== "object" || typeof httpServer.on !== "function") {
    throw new TypeError(
      "attach(httpServer, app, options) needs a node:http or node:https Server as first argument.",
    );
  }
  const protocol = new ProtocolServer(app, options);
  const ready = protocol.start();
  // Callers may ignore `ready`; a failed startup is then logged instead of left unhandled.
  ready.catch((error: unknown) =>
    protocol.logger.error({ event: "lifespan.startup_failed", err: error }, "Lifespan startup failed:"),
  );

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // Other upgrades (h2c, a second WebSocket library) belong to the server's other listeners; with
    // none, they are refused here as serve() refuses them.
    if (!isWebSocketUpgrade(req) && httpServer.listenerCount("upgrade") > 1) return;
    protocol.handleUpgrade(req, socket, head);
  };
  httpServer.on("upgrade", onUpgrade);

  let previous: RequestListener[] = [];
  let onRequest: RequestListener | null = null;
  if (options.routeHttp === true) {
    previous = httpServer.listeners("request") as RequestListener[];
    const fallthrough = (req: IncomingMessage, res: ServerResponse): void => {
      for (const listener of previous) listener.call(httpServer, req, res);
    };
    // With no other handler, the server itself answers an unrouted request with 404 (and logs it).
    const handOver = previous.length === 0 ? null : fallthrough;
    onRequest = (req, res) => protocol.handleRequest(req, res, handOver);
    httpServer.removeAllListeners("request");
    httpServer.on("request", onRequest);
  }

  let closing: Promise<void> | null = null;
  return {
    ready,
    stats: protocol.stats,
    close(): Promise<void> {
      if (closing === null) {
        httpServer.off("upgrade", onUpgrade);
        if (onRequest !== null) {
          httpServer.off("request", onRequest);
          for (const listener of previous) httpServer.on("request", listener);
        }
        closing = protocol.shutdown();
      }
      return closing;
    },
  };
}
