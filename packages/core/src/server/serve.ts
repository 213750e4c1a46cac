import type { AddressInfo } from "node:net";
import { ImproperlyConfigured } from "../exceptions";
import type { Application } from "../protocol/types";
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
  const transport = resolveTransport(options.tls, options.http2);
  const protocol = new ProtocolServer(app, options);
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
  httpServer.on("error", (error) => protocol.logger.error("HTTP server error:", error));
  const boundPort = (httpServer.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    protocol.logger.info(`Received ${signal}, shutting down gracefully.`);
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
    close,
  };
  if (options.handleSignals) {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return running;
}
