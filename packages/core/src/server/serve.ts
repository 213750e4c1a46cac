import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ImproperlyConfigured } from "../exceptions";
import type { Application } from "../protocol/types";
import { serveHealthEndpoint } from "./health-endpoints";
import { createListener, type NodeServer } from "./listener";
import { DEFAULTS, type ServeOptions } from "./options";
import { ProtocolServer, type ServerStats } from "./protocol-server";
import { resolveTransport } from "./tls-options";

/** A server started by `serve()`. */
export interface RunningServer {
  /** `http://host:port` (`https://` with `tls`), with the port actually bound. */
  readonly url: string;
  /** The port actually bound (useful with `port: 0`). */
  readonly port: number;
  readonly host: string;
  /**
   * The underlying Node server: `node:http` by default, `node:https` with `tls`, and a
   * `node:http2` server with `http2`.
   */
  readonly httpServer: NodeServer;
  /** Live counts of the server's application instances (running, abandoned). */
  readonly stats: ServerStats;
  /** The port of `/metrics`, `/healthz` and `/readyz` (`healthEndpoints`), or `null` when they are off. */
  readonly healthPort: number | null;
  /**
   * Graceful shutdown: stop accepting, close WebSockets with 1001, let application instances finish
   * (up to `applicationCloseTimeoutMs`, then cancel them), lifespan shutdown, close the layers.
   * Resolves when all of that is done. Safe to call more than once.
   */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Runs `app` over HTTP and WebSocket on `host:port` (over TLS with `tls`, HTTP/2 with `http2`).
 * Resolves once the server listens and lifespan startup completed; rejects with the application's
 * message on `lifespan.startup.failed`, or with the listen error (`EADDRINUSE`, …).
 */
export async function serve(app: Application, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? DEFAULTS.host;
  const port = options.port ?? DEFAULTS.port;
  if (typeof host !== "string" || host === "") {
    throw new ImproperlyConfigured(
      `serve() option host must be a host name or address such as "127.0.0.1"; got ${String(host)}.`,
    );
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ImproperlyConfigured(
      `serve() option port must be an integer from 0 to 65535 (0 picks a free port); got ${String(port)}.`,
    );
  }
  const health = options.healthEndpoints ?? DEFAULTS.healthEndpoints;
  if (
    typeof health !== "boolean" &&
    !(Number.isInteger(health) && (health as number) >= 0 && (health as number) <= 65_535)
  ) {
    throw new ImproperlyConfigured(
      `serve() option healthEndpoints must be true (the main port), false, or a port number (0 picks a free one); got ${String(health)}.`,
    );
  }
  const transport = resolveTransport(options.tls, options.http2);
  const protocol = new ProtocolServer(app, options);
  protocol.healthOnMainPort = health === true;
  await protocol.start();

  let listener: ReturnType<typeof createListener>;
  try {
    listener = createListener(protocol, transport);
  } catch (error) {
    await protocol.shutdown();
    throw error;
  }
  const httpServer = listener.server;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(port, host, () => {
        httpServer.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await protocol.shutdown();
    throw error;
  }
  httpServer.on("error", (error) =>
    protocol.logger.error({ event: "server.error", err: error }, "HTTP server error:"),
  );
  // The health endpoints on a port of their own: plain HTTP, so probes and scrapers need no TLS.
  let healthServer: Server | null = null;
  if (typeof health === "number") {
    const server = createServer((req, res) => {
      if (!serveHealthEndpoint(req, res, protocol)) {
        res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
        res.end("Not Found: /metrics, /healthz and /readyz are served here.\n");
      }
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(health, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      const stopped = listener.stopAccepting();
      await protocol.shutdown();
      listener.closeAll();
      await stopped;
      throw error;
    }
    server.on("error", (error) =>
      protocol.logger.error({ event: "server.error", err: error }, "Health endpoint server error:"),
    );
    healthServer = server;
  }
  const boundPort = (httpServer.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    protocol.logger.info({ event: "server.signal" }, `Received ${signal}, shutting down gracefully.`);
    void running.close();
  };
  const close = (): Promise<void> => {
    if (closing === null) {
      closing = (async () => {
        if (options.handleSignals) {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
        const stopped = listener.stopAccepting();
        await protocol.shutdown();
        listener.closeAll();
        // Last, so /readyz says 503 while the server drains.
        healthServer?.close();
        healthServer?.closeAllConnections();
        await stopped;
      })();
    }
    return closing;
  };
  const running: RunningServer = {
    url: `${transport.tls === null ? "http" : "https"}://${urlHost(host)}:${boundPort}`,
    port: boundPort,
    host,
    httpServer,
    stats: protocol.stats,
    healthPort:
      healthServer !== null
        ? (healthServer.address() as AddressInfo).port
        : health === true
          ? boundPort
          : null,
    close,
  };
  if (options.handleSignals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return running;
}
