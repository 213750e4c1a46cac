import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Duplex } from "node:stream";
import { ImproperlyConfigured } from "../exceptions";
import type { ChannelLayer } from "../layers/base";
import { channelLayers } from "../layers/registry";
import { currentMetrics, type Metrics, useMetrics } from "../metrics/metrics";
import type { Application } from "../protocol/types";
import type { ConnectionInstance, Protocol, ProtocolHost } from "./connection";
import { serveHealthEndpoint } from "./health-endpoints";
import type { Fallthrough } from "./http/http-instance";
import { HttpProtocol } from "./http/http-protocol";
import type { HttpRequest, HttpResponse } from "./http-versions";
import { type ApplicationInstance, clock } from "./instance";
import { LayerOutage } from "./layer-outage";
import { Lifespan } from "./lifespan";
import { logText, logUrl } from "./log-text";
import { type Logger, resolveLogger, silentLogger } from "./logger";
import { type ProtocolOptions, type ResolvedOptions, resolveOptions } from "./options";
import { writePlainResponse } from "./responses";
import { WebSocketProtocol } from "./websocket/websocket-protocol";

/**
 * Live counts about a server's application instances, for operators and metrics
 * (`RunningServer.stats`, `AttachedServer.stats`). Read it any time; the values are current.
 */
export interface ServerStats {
  /** Application instances the server tracks now (one per open HTTP request or WebSocket, until it ends). */
  readonly runningInstances: number;
  /**
   * Application instances the server gave up on since it started: still running after their
   * connection ended (or shutdown began) plus `applicationCloseTimeoutMs`, and still not ended
   * after being cancelled, because they wait on something that is not `receive()`/`send()` (a
   * `fetch`, a timer, a database call that never settles). The server drops its references to
   * them, and shutdown does not wait for them; what they hold is freed when that await settles,
   * if ever. A growing count is a bug in the application: it is logged once per instance.
   */
  readonly abandonedInstances: number;
}

/**
 * What `serve()` and `attach()` share: the application, the options, the protocols (HTTP and
 * WebSocket), every live connection's application instance, one timer for all deadlines,
 * lifespan, layers and graceful shutdown. It owns no listening socket; `serve()` and `attach()`
 * feed it requests and upgrades. It knows the protocols only through `Protocol`, and their
 * instances only through `ConnectionInstance` (as Daphne's server knows its protocols through
 * `protocol_connected`, `protocol_disconnected` and `check_timeouts`).
 */
export class ProtocolServer implements ProtocolHost {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly accessLog: boolean;
  readonly layerOutage: LayerOutage;
  closing = false;
  private readonly http: HttpProtocol;
  private readonly websocket: WebSocketProtocol;
  private readonly protocols: readonly Protocol[];
  /** Every running connection instance (HTTP and WebSocket). */
  private readonly instances = new Set<ConnectionInstance>();
  /** Instances whose connection ended, with when to cancel them if they still run (on `clock()`). */
  private readonly ending = new Map<ConnectionInstance, number>();
  private readonly lifespan: Lifespan;
  private readonly layers: Array<[alias: string, layer: ChannelLayer]>;
  private timer: NodeJS.Timeout | null = null;
  private idle: (() => void) | null = null;
  private closed: Promise<void> | null = null;
  /** Cancelled instances, with when to give up on them (on `clock()`) if they still run. */
  private readonly cancelling = new Map<ConnectionInstance, number>();
  private abandoned = 0;
  readonly stats: ServerStats;
  /** `/metrics`, `/healthz` and `/readyz` answer on this server's own requests (`healthEndpoints: true`). */
  healthOnMainPort = false;
  private readonly metrics: Metrics | undefined;
  /** The process-wide backend before ours, restored at shutdown. */
  private previousMetrics: Metrics | null = null;

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
    this.layerOutage = new LayerOutage(this.logger);
    this.lifespan = new Lifespan(app, this.logger);
    this.layers = Object.entries(options.layers ?? {});
    this.metrics = options.metrics;
    this.http = new HttpProtocol(this);
    this.websocket = new WebSocketProtocol(this);
    this.protocols = [this.http, this.websocket];
    const server = this;
    this.stats = Object.freeze({
      get runningInstances() {
        return server.instances.size;
      },
      get abandonedInstances() {
        return server.abandoned;
      },
    });
  }

  get lifespanState(): Record<string, unknown> | null {
    return this.lifespan.state;
  }

  /** Registers the layers, runs lifespan startup, starts the deadline timer. */
  async start(): Promise<void> {
    for (const [alias, layer] of this.layers) channelLayers.set(alias, layer);
    if (this.metrics !== undefined) this.previousMetrics = useMetrics(this.metrics);
    try {
      await this.lifespan.startup();
    } catch (error) {
      await this.closeLayers();
      this.restoreMetrics();
      throw error;
    }
    let finest = this.options.applicationCloseTimeoutMs;
    for (const protocol of this.protocols) finest = Math.min(finest, protocol.deadlineMs);
    this.timer = setInterval(this.tick, Math.max(10, Math.min(1_000, finest / 4)));
    this.timer.unref();
  }

  readonly handleRequest = (
    req: HttpRequest,
    res: HttpResponse,
    fallthrough: Fallthrough | null = null,
  ): void => {
    try {
      if (this.healthOnMainPort && serveHealthEndpoint(req, res, this)) return;
      this.http.handleRequest(req, res, fallthrough);
    } catch (error) {
      // A bug of ours must cost one request, never the process.
      this.logger.error(
        { event: "server.internal_error", err: error },
        `Internal server error handling ${logText(req.method ?? "-")} ${logUrl(req.url, this.options.redactQueryParams)}:`,
      );
      writePlainResponse(res, 500, "Internal Server Error");
    }
  };

  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    try {
      this.websocket.handleUpgrade(req, socket, head);
    } catch (error) {
      this.logger.error(
        { event: "server.internal_error", err: error },
        `Internal server error handling the WebSocket upgrade of ${logUrl(req.url, this.options.redactQueryParams)}:`,
      );
      socket.destroy();
    }
  };

  readonly handleConnect = (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    try {
      this.websocket.handleConnect(req, res);
    } catch (error) {
      this.logger.error(
        { event: "server.internal_error", err: error },
        `Internal server error handling the HTTP/2 WebSocket of ${logUrl(req.url, this.options.redactQueryParams)}:`,
      );
      req.stream.destroy();
    }
  };

  connected(instance: ConnectionInstance): void {
    this.instances.add(instance);
    instance.onFinished = this.finished;
    instance.start(this.app);
  }

  disconnected(instance: ConnectionInstance): void {
    if (instance.finished || this.ending.has(instance)) return;
    this.ending.set(instance, clock() + this.options.applicationCloseTimeoutMs);
  }

  private readonly finished = (instance: ApplicationInstance): void => {
    this.instances.delete(instance as ConnectionInstance);
    this.ending.delete(instance as ConnectionInstance);
    this.cancelling.delete(instance as ConnectionInstance);
    if (this.idle !== null && this.instances.size === 0) this.idle();
  };

  /** How long a cancelled instance gets to end before the server gives up on it. */
  private get cancelGraceMs(): number {
    return Math.min(1_000, this.options.applicationCloseTimeoutMs);
  }

  /**
   * Gives up on an instance that ignored its cancellation (stuck on an await that is not
   * `receive()`/`send()`): drops the server's references and counts it (`stats.abandonedInstances`).
   */
  private abandon(instance: ConnectionInstance): void {
    this.cancelling.delete(instance);
    this.ending.delete(instance);
    if (!this.instances.delete(instance)) return;
    instance.onFinished = null;
    this.abandoned++;
    this.logger.warn(
      { event: "application.abandoned" },
      `Application instance for ${instance.scope.type} ${"path" in instance.scope ? instance.scope.path : ""} did not end after being cancelled: it awaits something that never settles (give that await a timeout or an AbortSignal). The server no longer tracks it (stats.abandonedInstances: ${this.abandoned}).`,
    );
    if (this.idle !== null && this.instances.size === 0) this.idle();
  }

  /** The one timer: each protocol checks its connections' deadlines; then the close timeouts. */
  private readonly tick = (): void => {
    try {
      const now = clock();
      for (const protocol of this.protocols) protocol.checkTimeouts(now);
      this.cancelOverdue(now);
    } catch (error) {
      // A timer callback that throws would take the process down: log it and sweep again next tick.
      this.logger.error(
        { event: "server.internal_error", err: error },
        "Internal error in the server's deadline sweep:",
      );
    }
  };

  private cancelOverdue(now: number): void {
    for (const [instance, cancelAt] of this.ending) {
      if (now < cancelAt) continue;
      this.ending.delete(instance);
      if (instance.finished) continue;
      this.logger.warn(
        { event: "application.cancelled" },
        `Application instance for ${instance.scope.type} ${"path" in instance.scope ? instance.scope.path : ""} still running ${this.options.applicationCloseTimeoutMs} ms after its connection closed; cancelling it.`,
      );
      instance.cancel();
      // Cancelling settles a receive()/send() at once; an instance still running later is stuck.
      if (!instance.finished) this.cancelling.set(instance, now + this.cancelGraceMs);
    }
    for (const [instance, giveUpAt] of this.cancelling) {
      if (now >= giveUpAt) this.abandon(instance);
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
    for (const instance of [...this.instances]) instance.goAway();
    const timeoutMs = this.options.applicationCloseTimeoutMs;
    if (!(await this.waitIdle(timeoutMs))) {
      const left = [...this.instances];
      this.logger.warn(
        { event: "server.shutdown_cancelled" },
        `${left.length} application instance(s) still running ${timeoutMs} ms into shutdown; cancelling them.`,
      );
      for (const instance of left) {
        instance.cancel();
        instance.terminate();
      }
      // Cancelled instances settle within a few ticks; an app that swallows CancelledError does not hold us.
      if (!(await this.waitIdle(this.cancelGraceMs))) {
        for (const instance of [...this.instances]) this.abandon(instance);
      }
    }
    for (const protocol of this.protocols) protocol.terminate();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.lifespan.shutdown(timeoutMs);
    await this.closeLayers();
    for (const protocol of this.protocols) protocol.close();
    this.restoreMetrics();
  }

  private restoreMetrics(): void {
    if (this.previousMetrics !== null && currentMetrics() === this.metrics) useMetrics(this.previousMetrics);
    this.previousMetrics = null;
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
        this.logger.error(
          { event: "layer.close_failed", err: error },
          `Closing channel layer "${alias}" failed:`,
        );
      }
    }
  }
}
