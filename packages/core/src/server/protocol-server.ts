import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { ImproperlyConfigured } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import { channelLayers } from "../layers/registry";
import type { Application } from "../protocol/types";
import { type Fallthrough, HttpInstance, handleHttpRequest } from "./http-protocol";
import type { HttpRequest, HttpResponse } from "./http2-protocol";
import { type ApplicationInstance, clock } from "./instance";
import { Lifespan } from "./lifespan";
import { type Logger, resolveLogger, silentLogger } from "./logger";
import { type ProtocolOptions, type ResolvedOptions, resolveOptions } from "./options";
import {
  ACCEPT_HEADERS,
  ACCEPTED_SUBPROTOCOL,
  handleWebSocketOverHttp2,
  handleWebSocketUpgrade,
  type UpgradeRequest,
  type WebSocketInstance,
} from "./websocket-protocol";
import { WriteCoalescer } from "./write-coalescer";

/**
 * What `serve()` and `attach()` share: the application, the options, every live application
 * instance, one timer for all deadlines, lifespan, layers and graceful shutdown. It owns no
 * listening socket; `serve()` and `attach()` feed it requests and upgrades.
 */
export class ProtocolServer {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly wss: WebSocketServer;
  /** Every running application instance (HTTP and WebSocket). */
  readonly instances = new Set<ApplicationInstance>();
  /** Open (accepted) WebSockets, for keepalive and shutdown. */
  readonly sockets = new Set<WebSocketInstance>();
  /** WebSockets waiting for the application to accept, close or deny. */
  readonly handshakes = new Set<WebSocketInstance>();
  /** Frames sent in one event-loop turn leave each socket in one write. */
  readonly writes = new WriteCoalescer();
  /** HTTP requests under `httpTimeoutMs` whose response has not started. */
  readonly timedRequests = new Set<HttpInstance>();
  /** Instances whose connection ended; cancelled if still running at their `cancelAt`. */
  private readonly ending = new Set<ApplicationInstance>();
  private readonly lifespan: Lifespan;
  private readonly layers: Array<[alias: string, layer: ChannelLayer]>;
  private timer: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;
  private closed: Promise<void> | null = null;
  closing = false;
  /** False with `logger: null`: access lines are then not even formatted. */
  readonly accessLog: boolean;

  constructor(
    readonly app: Application,
    options: ProtocolOptions,
  ) {
    if (typeof app !== "function") {
      throw new ImproperlyConfigured(
        `The application must be an async function (scope, receive, send); got ${app === null ? "null" : typeof app}. ` +
          "For a consumer class, pass MyConsumer.asAsgi().",
      );
    }
    this.options = resolveOptions(options);
    this.logger = resolveLogger(options.logger);
    this.accessLog = this.logger !== silentLogger;
    this.lifespan = new Lifespan(app, this.logger);
    this.layers = Object.entries(options.layers ?? {});
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.options.maxMessageBytes,
      perMessageDeflate: this.options.perMessageDeflate,
      handleProtocols: (_offered, req) => (req as UpgradeRequest)[ACCEPTED_SUBPROTOCOL] ?? false,
    });
    this.wss.on("headers", (headers, req) => {
      const extra = (req as UpgradeRequest)[ACCEPT_HEADERS];
      if (extra !== undefined) headers.push(...extra);
    });
  }

  /** Lifespan state that request scopes copy, or `null` without lifespan. */
  get lifespanState(): Record<string, unknown> | null {
    return this.lifespan.state;
  }

  /** Registers the layers, runs lifespan startup, starts the deadline timer. */
  async start(): Promise<void> {
    for (const [alias, layer] of this.layers) channelLayers.set(alias, layer);
    try {
      await this.lifespan.startup();
    } catch (error) {
      await this.closeLayers();
      throw error;
    }
    const o = this.options;
    const tick = Math.min(
      o.handshakeTimeoutMs,
      o.pingIntervalMs > 0 ? o.pingIntervalMs : Number.POSITIVE_INFINITY,
      o.pingTimeoutMs,
      o.applicationCloseTimeoutMs,
      o.httpTimeoutMs ?? Number.POSITIVE_INFINITY,
    );
    this.timer = setInterval(this.sweep, Math.max(10, Math.min(1_000, tick / 4)));
    this.timer.unref();
  }

  readonly handleRequest = (
    req: HttpRequest,
    res: HttpResponse,
    fallthrough: Fallthrough | null = null,
  ): void => {
    try {
      handleHttpRequest(this, req, res, fallthrough);
    } catch (error) {
      // A bug of ours must cost one request, never the process.
      this.logger.error(`Internal server error handling ${req.method} ${req.url}:`, error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  };

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      handleWebSocketUpgrade(this, req, socket, head);
    } catch (error) {
      this.logger.error(`Internal server error handling the WebSocket upgrade of ${req.url}:`, error);
      socket.destroy();
    }
  };

  /** An HTTP/2 CONNECT: a WebSocket when it says `:protocol: websocket` (RFC 8441), else 405. */
  readonly handleConnect = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    try {
      if (req.headers[":protocol"] === "websocket") {
        handleWebSocketOverHttp2(this, req);
        return;
      }
      res.writeHead(405, { "content-type": "text/plain; charset=utf-8" });
      res.end("CONNECT is only served for WebSockets (RFC 8441, :protocol websocket).");
    } catch (error) {
      this.logger.error(`Internal server error handling the HTTP/2 WebSocket of ${req.url}:`, error);
      req.stream.destroy();
    }
  };

  track(instance: ApplicationInstance): void {
    this.instances.add(instance);
    instance.onFinished = this.untrack;
  }

  private readonly untrack = (instance: ApplicationInstance): void => {
    this.instances.delete(instance);
    this.ending.delete(instance);
    if (this.idle !== null && this.instances.size === 0) this.idle();
  };

  /** The connection of `instance` ended: cancel it if it still runs after the close timeout. */
  scheduleCancel(instance: ApplicationInstance): void {
    if (instance.finished || instance.cancelAt !== 0) return;
    instance.cancelAt = clock() + this.options.applicationCloseTimeoutMs;
    this.ending.add(instance);
  }

  /** One timer for every deadline: handshakes, keepalive, HTTP timeouts, close timeouts. */
  private readonly sweep = (): void => {
    try {
      this.sweepDeadlines(clock());
    } catch (error) {
      // A timer callback that throws would take the process down: log it and sweep again next tick.
      this.logger.error("Internal error in the server's deadline sweep:", error);
    }
  };

  private sweepDeadlines(now: number): void {
    for (const instance of this.handshakes) {
      if (now >= instance.handshakeDeadline) {
        this.logger.warn(
          `WebSocket handshake timed out: the application did not accept or close within ${this.options.handshakeTimeoutMs} ms (${instance.scope.path}).`,
        );
        instance.reject(403, "Access denied", "handshake timeout");
      }
    }
    const { pingIntervalMs, pingTimeoutMs } = this.options;
    if (pingIntervalMs > 0)
      for (const socket of this.sockets) socket.keepalive(now, pingIntervalMs, pingTimeoutMs);
    for (const request of this.timedRequests) {
      if (request.timeoutAt === 0 || request.finished) this.timedRequests.delete(request);
      else if (now >= request.timeoutAt) {
        this.timedRequests.delete(request);
        request.timeOut();
      }
    }
    for (const instance of this.ending) {
      if (now >= instance.cancelAt) {
        this.ending.delete(instance);
        if (!instance.finished) {
          this.logger.warn(
            `Application instance for ${instance.scope.type} ${"path" in instance.scope ? instance.scope.path : ""} still running ${this.options.applicationCloseTimeoutMs} ms after its connection closed; cancelling it.`,
          );
          instance.cancel();
        }
      }
    }
  }

  /**
   * Graceful shutdown: refuse new connections, close WebSockets with 1001, end streaming HTTP
   * responses, give every instance up to `applicationCloseTimeoutMs` to finish, cancel the rest,
   * then lifespan shutdown and closing the layers. Idempotent.
   */
  shutdown(): Promise<void> {
    if (this.closed === null) this.closed = this.doShutdown();
    return this.closed;
  }

  private async doShutdown(): Promise<void> {
    this.closing = true;
    this.lifespan.abortStartup();
    for (const instance of [...this.handshakes]) instance.goAway();
    for (const socket of [...this.sockets]) socket.goAway();
    for (const instance of this.instances) if (instance instanceof HttpInstance) instance.goAway();
    const timeoutMs = this.options.applicationCloseTimeoutMs;
    if (!(await this.waitIdle(timeoutMs))) {
      const left = [...this.instances];
      this.logger.warn(
        `${left.length} application instance(s) still running ${timeoutMs} ms into shutdown; cancelling them.`,
      );
      for (const instance of left) {
        instance.cancel();
        (instance as Partial<WebSocketInstance>).terminate?.();
        if (instance instanceof HttpInstance) instance.res.destroy();
      }
      // Cancelled instances settle within a few ticks; an app that swallows CancelledError does not hold us.
      await this.waitIdle(Math.min(1_000, timeoutMs));
    }
    for (const socket of this.sockets) socket.terminate();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.lifespan.shutdown(timeoutMs);
    await this.closeLayers();
    this.wss.close();
  }

  private waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.instances.size === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idle = null;
        resolve(false);
      }, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = null;
        resolve(true);
      };
    });
  }

  private async closeLayers(): Promise<void> {
    for (const [alias, layer] of this.layers) {
      if (channelLayers.get(alias) === layer) channelLayers.delete(alias);
      try {
        await layer.close();
      } catch (error) {
        this.logger.error(`Closing channel layer "${alias}" failed:`, error);
      }
    }
  }
}
